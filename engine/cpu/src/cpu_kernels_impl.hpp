// Kernel bodies, written once against simd::Vec and compiled per instruction set by
// cpu_kernels_{scalar,avx2,avx512,avx512bf16}.cpp. Numerics match the scalar reference to
// fp32 rounding: F32 accumulation, weights widened exactly from F16/BF16 (or, with AVX-512
// BF16, used as stored against activations split into two bf16 parts: cpu_bf16_split.hpp).
#pragma once
#include <algorithm>
#include <cmath>

#include "cpu_kernels.hpp"
#include "simd.hpp"
#if defined(__AVX512F__)
#include "transpose16.hpp"
#endif
#if defined(__AVX512BF16__)
#include "cpu_bf16_split.hpp"
#endif

namespace coil::KERNEL_NS {
using simd::Vec;
constexpr int W = Vec::W;

// ---- matmul -------------------------------------------------------------------------
// GEMV (T == 1): four weight rows at a time share each load of x.
template <DType WT>
void gemv(const MatMulArgs& a, int64_t n0, int64_t n1) {
  const int64_t K = a.K;
  const float* x = a.x;
  const int64_t Kv = K / W * W;
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const void* w = a.w;
    Vec acc0 = Vec::zero(), acc1 = Vec::zero(), acc2 = Vec::zero(), acc3 = Vec::zero();
    for (int64_t k = 0; k < Kv; k += W) {
      const Vec xv = Vec::load(x + k);
      acc0 = Vec::fmadd(simd::load_as_f32<WT>(w, (n + 0) * K + k), xv, acc0);
      acc1 = Vec::fmadd(simd::load_as_f32<WT>(w, (n + 1) * K + k), xv, acc1);
      acc2 = Vec::fmadd(simd::load_as_f32<WT>(w, (n + 2) * K + k), xv, acc2);
      acc3 = Vec::fmadd(simd::load_as_f32<WT>(w, (n + 3) * K + k), xv, acc3);
    }
    float s[4] = {acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum()};
    for (int64_t k = Kv; k < K; ++k)
      for (int i = 0; i < 4; ++i) s[i] += x[k] * simd::load_scalar<WT>(w, (n + i) * K + k);
    for (int i = 0; i < 4; ++i) a.y[n + i] = s[i] + (a.bias ? a.bias[n + i] : 0.f);
  }
  for (; n < n1; ++n) {
    Vec acc = Vec::zero();
    for (int64_t k = 0; k < Kv; k += W)
      acc = Vec::fmadd(simd::load_as_f32<WT>(a.w, n * K + k), Vec::load(x + k), acc);
    float s = acc.sum();
    for (int64_t k = Kv; k < K; ++k) s += x[k] * simd::load_scalar<WT>(a.w, n * K + k);
    a.y[n] = s + (a.bias ? a.bias[n] : 0.f);
  }
}

// GEMM (T > 1): weight panels of NB columns x KC depth are widened to F32 and packed
// k-major into scratch, then an MR x NB register tile accumulates broadcasts of x.
constexpr int64_t NB = 2 * W;
constexpr int64_t KC = kPackFloats / NB;
constexpr int64_t MR = W == 1 ? 4 : 8;

// Packs columns [nb, nb+nn) x k [kb, kb+kk) of the weights, widened to F32, k-major.
template <DType WT>
void pack_panel(const MatMulArgs& a, int64_t nb, int64_t nn, int64_t kb, int64_t kk, float* pack) {
#if defined(__AVX512F__)
  if constexpr (WT == DType::BF16) {  // 16 rows x 16 k widened, transposed in registers
    const auto* w = static_cast<const uint16_t*>(a.w) + nb * a.K + kb;
    for (int64_t k = 0; k < kk; k += 16) {
      const int64_t left = std::min<int64_t>(16, kk - k);
      const __mmask16 m = left >= 16 ? 0xffff : static_cast<__mmask16>((1u << left) - 1);
      for (int64_t j0 = 0; j0 < NB; j0 += 16) {
        __m512i r[16];
        for (int64_t j = 0; j < 16; ++j) {
          if (j0 + j >= nn) {  // a column past the range: zeros, nothing read
            r[j] = _mm512_setzero_si512();
            continue;
          }
          const __m256i h = _mm256_maskz_loadu_epi16(m, w + (j0 + j) * a.K + k);
          r[j] = _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16);
        }
        transpose16(r);
        for (int64_t i = 0; i < left; ++i) _mm512_storeu_si512(pack + (k + i) * NB + j0, r[i]);
      }
    }
    return;
  }
#endif
  for (int64_t j = 0; j < NB; ++j) {
    if (j < nn) {
      const int64_t row = (nb + j) * a.K + kb;
      for (int64_t k = 0; k < kk; ++k) pack[k * NB + j] = simd::load_scalar<WT>(a.w, row + k);
    } else {
      for (int64_t k = 0; k < kk; ++k) pack[k * NB + j] = 0.f;
    }
  }
}

template <DType WT>
void gemm(const MatMulArgs& a, int64_t n0, int64_t n1, float* pack) {
  for (int64_t nb = n0; nb < n1; nb += NB) {
    const int64_t nn = std::min<int64_t>(NB, n1 - nb);
    for (int64_t t = 0; t < a.T; ++t)
      for (int64_t j = 0; j < nn; ++j) a.y[t * a.y_stride + nb + j] = a.bias ? a.bias[nb + j] : 0.f;
    for (int64_t kb = 0; kb < a.K; kb += KC) {
      const int64_t kk = std::min<int64_t>(KC, a.K - kb);
      pack_panel<WT>(a, nb, nn, kb, kk, pack);
      // the next panel: the next k block of these columns, or the first of the next columns
      const bool more_k = kb + KC < a.K;
      const int64_t pn = more_k ? nb : nb + NB, pk = more_k ? kb + KC : 0;
      const int64_t pcount = more_k ? nn : std::min<int64_t>(NB, n1 - nb - NB);
      const int64_t pkk = std::min<int64_t>(KC, a.K - pk), tiles = (a.T + MR - 1) / MR;
      constexpr int64_t es = dtype_size(WT);
      for (int64_t t0 = 0; t0 < a.T; t0 += MR) {
        const int64_t mr = std::min<int64_t>(MR, a.T - t0);
        simd::prefetch_rows(a.w, a.K * es, pn + t0 / MR, pcount - t0 / MR, tiles, pk * es,
                            pkk * es);
        Vec acc[MR][2];
        for (int64_t i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = Vec::zero();
        const float* xr = a.x + t0 * a.x_stride + kb;
        if (mr == MR) {
          for (int64_t k = 0; k < kk; ++k) {
            const Vec w0 = Vec::load(pack + k * NB), w1 = Vec::load(pack + k * NB + W);
            for (int64_t i = 0; i < MR; ++i) {
              const Vec xb = Vec::set1(xr[i * a.x_stride + k]);
              acc[i][0] = Vec::fmadd(xb, w0, acc[i][0]);
              acc[i][1] = Vec::fmadd(xb, w1, acc[i][1]);
            }
          }
        } else {
          for (int64_t k = 0; k < kk; ++k) {
            const Vec w0 = Vec::load(pack + k * NB), w1 = Vec::load(pack + k * NB + W);
            for (int64_t i = 0; i < mr; ++i) {
              const Vec xb = Vec::set1(xr[i * a.x_stride + k]);
              acc[i][0] = Vec::fmadd(xb, w0, acc[i][0]);
              acc[i][1] = Vec::fmadd(xb, w1, acc[i][1]);
            }
          }
        }
        for (int64_t i = 0; i < mr; ++i) {
          float tmp[NB];
          acc[i][0].store(tmp);
          acc[i][1].store(tmp + W);
          float* yr = a.y + (t0 + i) * a.y_stride + nb;
          for (int64_t j = 0; j < nn; ++j) yr[j] += tmp[j];
        }
      }
    }
  }
}

template <DType WT>
void matmul_t(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  if (a.T == 1)
    gemv<WT>(a, n0, n1);
  else
    gemm<WT>(a, n0, n1, scratch);
}

inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  switch (a.wt) {
    case DType::BF16:
#if defined(__AVX512BF16__)
      if (a.T == 1 && bf16split::gemv(a, n0, n1, scratch)) return;
#endif
      matmul_t<DType::BF16>(a, n0, n1, scratch);
      break;
    case DType::F16:
      matmul_t<DType::F16>(a, n0, n1, scratch);
      break;
    default:
      matmul_t<DType::F32>(a, n0, n1, scratch);
      break;
  }
}

// ---- selective scan: the state of a channel (N floats) lives in registers over the chunk
inline float softplus(float v) {
  return v > 20.f ? v : std::log1p(std::exp(v));
}
inline float silu_scalar(float v) {
  return v / (1.f + std::exp(-v));
}

template <int NV>  // N == NV * W
void scan_fixed(const ScanPtrs& p, int64_t d0, int64_t d1) {
  for (int64_t d = d0; d < d1; ++d) {
    Vec h[NV], A[NV];
    for (int i = 0; i < NV; ++i) {
      h[i] = Vec::load(p.state + d * p.N + i * W);
      A[i] = Vec::load(p.A + d * p.N + i * W);
    }
    const float bias = p.dt_bias[d], Dd = p.Dskip[d];
    for (int64_t t = 0; t < p.T; ++t) {
      const float delta = softplus(p.dt[t * p.dt_stride + d] + bias);
      const float xv = p.x[t * p.x_stride + d];
      const Vec dv = Vec::set1(delta), dx = Vec::set1(delta * xv);
      const float* B = p.B + t * p.B_stride;
      const float* C = p.C + t * p.C_stride;
      Vec y = Vec::zero();
      for (int i = 0; i < NV; ++i) {
        h[i] = Vec::fmadd(simd::exp(dv * A[i]), h[i], dx * Vec::load(B + i * W));
        y = Vec::fmadd(h[i], Vec::load(C + i * W), y);
      }
      const float out = y.sum() + Dd * xv;
      p.out[t * p.out_stride + d] = out * silu_scalar(p.z[t * p.z_stride + d]);
    }
    for (int i = 0; i < NV; ++i) h[i].store(p.state + d * p.N + i * W);
  }
}

inline void scan_generic(const ScanPtrs& p, int64_t d0, int64_t d1) {
  for (int64_t d = d0; d < d1; ++d) {
    float* h = p.state + d * p.N;
    const float* A = p.A + d * p.N;
    for (int64_t t = 0; t < p.T; ++t) {
      const float delta = softplus(p.dt[t * p.dt_stride + d] + p.dt_bias[d]);
      const float xv = p.x[t * p.x_stride + d];
      const float* B = p.B + t * p.B_stride;
      const float* C = p.C + t * p.C_stride;
      float y = 0;
      for (int64_t n = 0; n < p.N; ++n) {
        h[n] = std::exp(delta * A[n]) * h[n] + delta * xv * B[n];
        y += h[n] * C[n];
      }
      p.out[t * p.out_stride + d] = (y + p.Dskip[d] * xv) * silu_scalar(p.z[t * p.z_stride + d]);
    }
  }
}

inline void scan(const ScanPtrs& p, int64_t d0, int64_t d1) {
  if (W > 1 && p.N == W)
    scan_fixed<1>(p, d0, d1);
  else if (W > 1 && p.N == 2 * W)
    scan_fixed<2>(p, d0, d1);
  else if (W > 1 && p.N == 4 * W)
    scan_fixed<4>(p, d0, d1);
  else
    scan_generic(p, d0, d1);
}

// ---- causal depthwise conv + bias + SiLU, vectorised over channels -------------------
inline void conv(const ConvPtrs& p, int64_t d0, int64_t d1) {
  const int64_t K = p.K, D = p.D;
  // input row j of the window [state (K-1 rows); x (T rows)]
  auto in = [&](int64_t j) {
    return j < K - 1 ? p.state + j * D : p.x + (j - (K - 1)) * p.x_stride;
  };
  for (int64_t t = 0; t < p.T; ++t) {
    float* o = p.out + t * p.out_stride;
    for (int64_t d = d0; d < d1; ++d) {
      float acc = p.bias ? p.bias[d] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += p.w[d * K + k] * in(t + k)[d];
      o[d] = acc;
    }
    int64_t d = d0;
    for (; d + W <= d1; d += W) simd::silu(Vec::load(o + d)).store(o + d);
    for (; d < d1; ++d) o[d] = silu_scalar(o[d]);
  }
  // the new state is the last K-1 rows of the window (rows T .. T+K-2)
  for (int64_t j = 0; j < K - 1; ++j) {
    const float* src = in(p.T + j);
    if (src == p.state + j * D) continue;
    // rows of the old state still needed later are read before being overwritten because
    // j increases and the source row index T + j >= j
    for (int64_t d = d0; d < d1; ++d) p.state[j * D + d] = src[d];
  }
}

inline void rms_norm(const float* x, const float* w, float eps, int64_t n, float* out) {
  Vec acc = Vec::zero();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const Vec v = Vec::load(x + i);
    acc = Vec::fmadd(v, v, acc);
  }
  double ss = acc.sum();
  for (; i < n; ++i) ss += double(x[i]) * x[i];
  const float inv = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
  i = 0;
  const Vec vi = Vec::set1(inv);
  for (; i + W <= n; i += W) {
    Vec v = Vec::load(x + i) * vi;
    if (w) v = v * Vec::load(w + i);
    v.store(out + i);
  }
  for (; i < n; ++i) out[i] = x[i] * inv * (w ? w[i] : 1.f);
}

// Sums n floats with four independent vector accumulators: a streaming read limited by
// memory bandwidth, for the bench's bandwidth measurement.
inline float stream_sum(const float* p, int64_t n) {
  Vec a0 = Vec::zero(), a1 = Vec::zero(), a2 = Vec::zero(), a3 = Vec::zero();
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = a0 + Vec::load(p + i);
    a1 = a1 + Vec::load(p + i + W);
    a2 = a2 + Vec::load(p + i + 2 * W);
    a3 = a3 + Vec::load(p + i + 3 * W);
  }
  float s = ((a0 + a1) + (a2 + a3)).sum();
  for (; i < n; ++i) s += p[i];
  return s;
}

inline const CpuKernels& table(const char* isa) {
  static const CpuKernels k{isa, &matmul, &scan, &conv, &rms_norm, &stream_sum};
  return k;
}

}  // namespace coil::KERNEL_NS
