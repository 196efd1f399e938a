// Kernel bodies, written once against simd::Vec and compiled per instruction set by
// cpu_kernels_{scalar,avx2,avx512,avx512vnni}.cpp. Numerics match the scalar reference to
// fp32 rounding: F32 accumulation, weights widened exactly from F16/BF16.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "cpu_dot.hpp"
#include "cpu_gemm.hpp"
#include "cpu_kernels.hpp"
#include "cpu_scan.hpp"
#include "simd.hpp"
#if defined(__AVX512VNNI__)
#include "cpu_quant.hpp"
#include "cpu_quant_groups.hpp"
#endif

namespace coil::KERNEL_NS {
using simd::Vec;
constexpr int W = Vec::W;

// ---- matmul: few tokens on the weights as stored, many on packed panels ----------
template <DType WT>
void matmul_t(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  if (a.T <= kDotMaxTokens && a.K <= kScratchFloats)
    dot::matmul<WT>(a, n0, n1, scratch);
  else
    gemm::matmul<WT>(a, n0, n1, scratch);
}

inline bool quant_ok(DType t, int64_t K) {
#if defined(__AVX512VNNI__)
  return quant::supported(t, K);
#else
  (void)t, (void)K;
  return false;
#endif
}

inline bool groups_ok(DType t, int64_t N, int64_t K) {
#if defined(__AVX512VNNI__)
  return groups::supported(t, N, K);
#else
  (void)t, (void)N, (void)K;
  return false;
#endif
}

inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
#if defined(__AVX512VNNI__)
  if (a.grouped_rows > 0) return groups::matmul(a, n0, n1, scratch);
  if (dtype_is_quantized(a.wt)) return quant::matmul(a, n0, n1, scratch);
#endif
  switch (a.wt) {
    case DType::BF16:
      matmul_t<DType::BF16>(a, n0, n1, scratch);
      break;
    case DType::F16:
      matmul_t<DType::F16>(a, n0, n1, scratch);
      break;
    case DType::F32:
      matmul_t<DType::F32>(a, n0, n1, scratch);
      break;
    default:  // block types: quant_ok said no, the backend never calls
      break;
  }
}

using scan_impl::scan;
using scan_impl::silu_scalar;

// ---- causal depthwise conv + bias + SiLU, vectorised over channels -------------------
inline void conv(const ConvPtrs& p, int64_t d0, int64_t d1) {
  const int64_t K = p.K, D = p.D;
  // input row j of the window [state (K-1 rows); x (T rows)]
  auto in = [&](int64_t j) {
    return j < K - 1 ? p.state + j * D : p.x + (j - (K - 1)) * p.x_stride;
  };
  int64_t d = d0;
  if (W > 1 && K <= 8) {  // blocks of W channels, their K taps transposed into vectors
    for (; d + W <= d1; d += W) {
      Vec wk[8];
      for (int64_t k = 0; k < K; ++k) {
        float col[W];
        for (int c = 0; c < W; ++c) col[c] = p.w[(d + c) * K + k];
        wk[k] = Vec::load(col);
      }
      const Vec bias = p.bias ? Vec::load(p.bias + d) : Vec::zero();
      for (int64_t t = 0; t < p.T; ++t) {
        Vec acc = bias;
        for (int64_t k = 0; k < K; ++k) acc = Vec::fmadd(wk[k], Vec::load(in(t + k) + d), acc);
        simd::silu(acc).store(p.out + t * p.out_stride + d);
      }
    }
  }
  for (int64_t t = 0; t < p.T; ++t) {  // the channels left, one at a time
    float* o = p.out + t * p.out_stride;
    for (int64_t c = d; c < d1; ++c) {
      float acc = p.bias ? p.bias[c] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += p.w[c * K + k] * in(t + k)[c];
      o[c] = silu_scalar(acc);
    }
  }
  // the new state is the last K-1 rows of the window (rows T .. T+K-2)
  for (int64_t j = 0; j < K - 1; ++j) {
    const float* src = in(p.T + j);
    if (src == p.state + j * D) continue;
    // rows of the old state still needed later are read before being overwritten because
    // j increases and the source row index T + j >= j
    for (int64_t c = d0; c < d1; ++c) p.state[j * D + c] = src[c];
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

// Sums n floats (n a multiple of 64 * S) as S streams of the same vector loads the
// matmuls use, one from each of S equal sub-ranges in turn, with the GEMV's software
// prefetch or without: a streaming read limited by memory bandwidth, for the bench.
template <int S>
float stream_sum_t(const float* p, int64_t n, bool prefetch) {
  const int64_t per = n / S;
  Vec acc[S];
  for (int s = 0; s < S; ++s) acc[s] = Vec::zero();
  for (int64_t i = 0; i < per; i += 4 * W)
    for (int s = 0; s < S; ++s) {
      const float* q = p + s * per + i;
      if (prefetch)
        __builtin_prefetch(reinterpret_cast<const char*>(q) + dot::kPrefetchBytes, 0, 3);
      acc[s] = acc[s] +
               ((Vec::load(q) + Vec::load(q + W)) + (Vec::load(q + 2 * W) + Vec::load(q + 3 * W)));
    }
  Vec t = acc[0];
  for (int s = 1; s < S; ++s) t = t + acc[s];
  return t.sum();
}

inline float stream_sum(const float* p, int64_t n, int streams, bool prefetch) {
  switch (streams) {
    case 1:
      return stream_sum_t<1>(p, n, prefetch);
    case 2:
      return stream_sum_t<2>(p, n, prefetch);
    case 4:
      return stream_sum_t<4>(p, n, prefetch);
    case 16:
      return stream_sum_t<16>(p, n, prefetch);
    default:
      return stream_sum_t<8>(p, n, prefetch);
  }
}

inline const CpuKernels& table(const char* isa) {
  static const CpuKernels k{isa,   &matmul, &quant_ok, &groups_ok,
                            &scan, &conv,   &rms_norm, &stream_sum};
  return k;
}

}  // namespace coil::KERNEL_NS
