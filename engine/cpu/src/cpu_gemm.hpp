// The matmul of many tokens (prefill chunks, T > kDotMaxTokens): weight panels of NB output
// columns x KC depth are packed k-major into the thread's scratch, then an MR x NB register
// tile accumulates broadcasts of x (outer products). The next panel's weight rows are
// prefetched while a panel is used.
//
// BF16 panels keep the weights as stored, transposed as 32-bit pairs: word (p, j) holds
// w[j][2p] (low half) and w[j][2p+1] (high half), which a shift and a mask widen to fp32
// (as cpu_dot.hpp does), so packing moves 32 k per 16 x 16 transpose and converts nothing.
// F16 and F32 panels are widened to fp32 when packed.
// Included by cpu_kernels_impl.hpp, inside KERNEL_NS.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cpu_kernels.hpp"
#include "simd.hpp"
#if defined(__AVX512F__)
#include "transpose16.hpp"
#endif

namespace coil::KERNEL_NS::gemm {
using simd::Vec;
constexpr int W = Vec::W;
constexpr int64_t NB = 2 * W;                  // output columns per panel
constexpr int64_t MR = W == 1 ? 4 : 8;         // tokens per register tile
constexpr int64_t KC = kPackFloats / NB;       // k per fp32 panel
constexpr int64_t KC2 = 2 * kPackFloats / NB;  // k per BF16 pair panel

// The two fp32 vectors (k = 2p and 2p + 1) of a vector of BF16 pair words.
inline void widen_pairs(const uint32_t* p, Vec& lo, Vec& hi) {
#if defined(__AVX512F__)
  const __m512i v = _mm512_loadu_si512(p);
  lo.v = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
  hi.v = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(int(0xffff0000u))));
#elif defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  lo.v = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  hi.v = _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(int(0xffff0000u))));
#else
  lo = Vec::set1(bf16_to_f32(static_cast<uint16_t>(*p & 0xffff)));
  hi = Vec::set1(bf16_to_f32(static_cast<uint16_t>(*p >> 16)));
#endif
}

// Packs columns [nb, nb+nn) x k [kb, kb+kk) (kb even) of BF16 weights as pair words,
// pair-major: pack[p * NB + j]. A pair past the row's end (odd kk) has a zero high half.
inline void pack_pairs(const MatMulArgs& a, int64_t nb, int64_t nn, int64_t kb, int64_t kk,
                       uint32_t* pack) {
  const auto* w = static_cast<const uint16_t*>(a.w) + nb * a.K + kb;
  const int64_t pairs = (kk + 1) / 2;
#if defined(__AVX512F__)
  for (int64_t p = 0; p < pairs; p += 16) {  // 16 rows x 16 pairs (32 k) per transpose
    const int64_t left = std::min<int64_t>(32, kk - 2 * p);
    const __mmask32 m = left >= 32 ? ~__mmask32(0) : static_cast<__mmask32>((1u << left) - 1);
    const int64_t np = std::min<int64_t>(16, pairs - p);
    for (int64_t j0 = 0; j0 < NB; j0 += 16) {
      __m512i r[16];
      for (int64_t j = 0; j < 16; ++j)  // a column past the range: zeros, nothing read
        r[j] = j0 + j < nn ? _mm512_maskz_loadu_epi16(m, w + (j0 + j) * a.K + 2 * p)
                           : _mm512_setzero_si512();
      transpose16(r);
      for (int64_t i = 0; i < np; ++i) _mm512_storeu_si512(pack + (p + i) * NB + j0, r[i]);
    }
  }
#else
  for (int64_t j = 0; j < NB; ++j)
    for (int64_t p = 0; p < pairs; ++p) {
      uint32_t v = 0;
      if (j < nn) {
        const uint16_t* e = w + j * a.K + 2 * p;
        v = e[0] | (2 * p + 1 < kk ? uint32_t(e[1]) << 16 : 0u);
      }
      pack[p * NB + j] = v;
    }
#endif
}

// Packs columns [nb, nb+nn) x k [kb, kb+kk) widened to fp32, k-major: pack[k * NB + j].
template <DType WT>
void pack_f32(const MatMulArgs& a, int64_t nb, int64_t nn, int64_t kb, int64_t kk, float* pack) {
  for (int64_t j = 0; j < NB; ++j) {
    if (j < nn) {
      const int64_t row = (nb + j) * a.K + kb;
      for (int64_t k = 0; k < kk; ++k) pack[k * NB + j] = simd::load_scalar<WT>(a.w, row + k);
    } else {
      for (int64_t k = 0; k < kk; ++k) pack[k * NB + j] = 0.f;
    }
  }
}

// out[i] = x[i] (k block [0, kk)) times the panel, for mr <= MR tokens. The sums stay in
// local registers until the end: x's loads may alias memory (Vec is may_alias), so sums
// kept in memory would be stored on every step.
template <DType WT, int64_t M>
inline void tile(const float* xr, int64_t x_stride, int64_t kk, const void* pack, int64_t mr,
                 simd::RowPrefetcher& pf, Vec (&out)[MR][2]) {
  const int64_t m = M == 0 ? mr : M;  // M: the tile's rows when known at compile time
  Vec acc[MR][2];
  for (int64_t i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = Vec::zero();
  if constexpr (WT == DType::BF16) {
    const auto* pk = static_cast<const uint32_t*>(pack);
    const int64_t full = kk / 2;
    for (int64_t p = 0; p < full; ++p) {
      pf.step();
      Vec l0, h0, l1, h1;
      widen_pairs(pk + p * NB, l0, h0);
      widen_pairs(pk + p * NB + W, l1, h1);
      for (int64_t i = 0; i < m; ++i) {
        const Vec xe = Vec::set1(xr[i * x_stride + 2 * p]);
        const Vec xo = Vec::set1(xr[i * x_stride + 2 * p + 1]);
        acc[i][0] = Vec::fmadd(xo, h0, Vec::fmadd(xe, l0, acc[i][0]));
        acc[i][1] = Vec::fmadd(xo, h1, Vec::fmadd(xe, l1, acc[i][1]));
      }
    }
    if (kk % 2) {  // the last k alone (its pair's high half is zero; x past it is not read)
      Vec l0, h0, l1, h1;
      widen_pairs(pk + full * NB, l0, h0);
      widen_pairs(pk + full * NB + W, l1, h1);
      for (int64_t i = 0; i < m; ++i) {
        const Vec xe = Vec::set1(xr[i * x_stride + 2 * full]);
        acc[i][0] = Vec::fmadd(xe, l0, acc[i][0]);
        acc[i][1] = Vec::fmadd(xe, l1, acc[i][1]);
      }
    }
  } else {
    const auto* pk = static_cast<const float*>(pack);
    for (int64_t k = 0; k < kk; ++k) {
      pf.step();
      const Vec w0 = Vec::load(pk + k * NB), w1 = Vec::load(pk + k * NB + W);
      for (int64_t i = 0; i < m; ++i) {
        const Vec xb = Vec::set1(xr[i * x_stride + k]);
        acc[i][0] = Vec::fmadd(xb, w0, acc[i][0]);
        acc[i][1] = Vec::fmadd(xb, w1, acc[i][1]);
      }
    }
  }
  for (int64_t i = 0; i < MR; ++i) {
    out[i][0] = acc[i][0];
    out[i][1] = acc[i][1];
  }
}

// Output columns [n0, n1) of y = x W^T + bias (y += with a.accumulate) for all T tokens.
// scratch: kPackFloats floats.
template <DType WT>
void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  constexpr int64_t kc = WT == DType::BF16 ? KC2 : KC;
  constexpr int64_t es = dtype_size(WT);
  for (int64_t nb = n0; nb < n1; nb += NB) {
    const int64_t nn = std::min<int64_t>(NB, n1 - nb);
    for (int64_t t = 0; t < a.T; ++t)
      for (int64_t j = 0; j < nn; ++j) {
        float& y = a.y[t * a.y_stride + nb + j];
        y = (a.accumulate ? y : 0.f) + (a.bias ? a.bias[nb + j] : 0.f);
      }
    for (int64_t kb = 0; kb < a.K; kb += kc) {
      const int64_t kk = std::min<int64_t>(kc, a.K - kb);
      if constexpr (WT == DType::BF16)
        pack_pairs(a, nb, nn, kb, kk, reinterpret_cast<uint32_t*>(scratch));
      else
        pack_f32<WT>(a, nb, nn, kb, kk, scratch);
      // the next panel: the next k block of these columns, or the first of the next columns
      const bool more_k = kb + kc < a.K;
      const int64_t pn = more_k ? nb : nb + NB, pk = more_k ? kb + kc : 0;
      const int64_t pcount = more_k ? nn : std::clamp<int64_t>(n1 - nb - NB, 0, NB);
      const int64_t pkk = std::min<int64_t>(kc, a.K - pk), tiles = (a.T + MR - 1) / MR;
      for (int64_t t0 = 0, ti = 0; t0 < a.T; t0 += MR, ++ti) {
        const int64_t mr = std::min<int64_t>(MR, a.T - t0);
        // this tile's share of the next panel's rows
        const int64_t r0 = pcount * ti / tiles, r1 = pcount * (ti + 1) / tiles;
        simd::RowPrefetcher pf(static_cast<const char*>(a.w) + (pn + r0) * a.K * es, a.K * es,
                               r1 - r0, pk * es, pkk * es);
        Vec acc[MR][2];
        const float* xr = a.x + t0 * a.x_stride + kb;
        if (mr == MR)
          tile<WT, MR>(xr, a.x_stride, kk, scratch, mr, pf, acc);
        else
          tile<WT, 0>(xr, a.x_stride, kk, scratch, mr, pf, acc);
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

}  // namespace coil::KERNEL_NS::gemm
