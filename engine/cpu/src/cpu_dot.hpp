// The matmul of few tokens (decode's GEMV, short prompts): y = x W^T in the weights' own
// layout, no packing. Each weight row is read once per call, as stored, two vectors (2W
// elements, a "block") at a time; a tile of R rows x MT tokens keeps R * MT accumulators
// in registers and reduces them once at the end of the row, so the weights stream from
// memory at the rate the FMAs allow and every block is used by MT tokens.
//
// BF16 rows are widened without conversions: a 32-bit lane holding the pair w[2i] (low
// half) and w[2i+1] (high half) becomes w[2i] by a left shift of 16 and w[2i+1] by masking
// the low half, so the activations are prepared once per call with each block's even
// elements first, then its odd ones (prepare_x). F16 and F32 rows keep the natural order.
// Products and sums are fp32 (FMA), so results match the scalar reference to fp32 rounding.
// Included by cpu_kernels_impl.hpp, inside KERNEL_NS.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu_kernels.hpp"
#include "simd.hpp"

namespace coil::KERNEL_NS::dot {
using simd::Vec;
constexpr int W = Vec::W;
constexpr int64_t BK = 2 * W;  // elements per block

// Loads block k (elements k .. k+2W) of a weight row as two vectors in the order of the
// prepared activations.
template <DType WT>
inline void load_block(const void* row, int64_t k, Vec& a, Vec& b) {
  if constexpr (WT == DType::BF16) {
    const uint16_t* p = static_cast<const uint16_t*>(row) + k;
#if defined(__AVX512F__)
    const __m512i v = _mm512_loadu_si512(p);
    a.v = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    b.v = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(int(0xffff0000u))));
#elif defined(__AVX2__)
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    a.v = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    b.v = _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(int(0xffff0000u))));
#else
    a = Vec::load_bf16(p);
    b = Vec::load_bf16(p + 1);
#endif
  } else {
    a = simd::load_as_f32<WT>(row, k);
    b = simd::load_as_f32<WT>(row, k + W);
  }
}

// The activations of all T tokens for kernels of weight type WT, rows K apart: the first
// Kv = K / BK * BK elements block by block in the order load_block returns them, then the
// rest in order; RMS-normalised first where the args ask for it (norm_matmul).
template <DType WT>
inline void prepare_x(const MatMulArgs& a, int64_t Kv, float* out) {
  const int64_t K = a.K;
  for (int64_t t = 0; t < a.T; ++t) {
    const float* src = a.x + t * a.x_stride;
    float* dst = out + t * K;
    if constexpr (WT == DType::BF16 && W > 1) {
      for (int64_t k = 0; k < Kv; k += BK)
        for (int i = 0; i < W; ++i) {
          dst[k + i] = src[k + 2 * i];
          dst[k + W + i] = src[k + 2 * i + 1];
        }
      std::copy(src + Kv, src + K, dst + Kv);
    } else {
      std::copy(src, src + K, dst);
    }
    if (a.norm_w) {  // the permutation moves x and norm_w alike
      Vec acc = Vec::zero();
      int64_t k = 0;
      for (; k + W <= K; k += W) {
        const Vec v = Vec::load(src + k);
        acc = Vec::fmadd(v, v, acc);
      }
      double ss = acc.sum();
      for (; k < K; ++k) ss += double(src[k]) * src[k];
      const float inv = static_cast<float>(1.0 / std::sqrt(ss / K + a.norm_eps));
      for (k = 0; k < Kv; k += BK)
        for (int i = 0; i < W; ++i) {
          const bool deint = WT == DType::BF16 && W > 1;
          dst[k + i] *= inv * a.norm_w[k + (deint ? 2 * i : i)];
          dst[k + W + i] *= inv * a.norm_w[k + (deint ? 2 * i + 1 : W + i)];
        }
      for (k = Kv; k < K; ++k) dst[k] *= inv * a.norm_w[k];
    }
  }
}

// Software prefetch distance (bytes ahead in each weight row) while the rows stream from
// memory: 512 to 4096 measured on the 7B's shapes were level within the noise here.
constexpr int64_t kPrefetchBytes = 2048;

// Rows [n, n + R) x tokens [t0, t0 + MT): y = x W^T + bias (y += with a.accumulate). xp:
// the prepared activations; the K - Kv elements past the last whole block are summed in
// scalar code.
template <DType WT, int R, int MT>
inline void tile(const MatMulArgs& a, const float* xp, int64_t Kv, int64_t n, int64_t t0,
                 bool prefetch) {
  constexpr int S = MT == 1 ? 2 : 1;  // a second set of sums keeps a GEMV's FMAs independent
  constexpr int64_t es = dtype_size(WT);
  const char* w = static_cast<const char*>(a.w) + n * a.K * es;
  Vec acc[S][R][MT];
  for (int s = 0; s < S; ++s)
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < MT; ++t) acc[s][r][t] = Vec::zero();
  const float* x0 = xp + t0 * a.K;
  for (int64_t k = 0; k < Kv; k += BK) {
    Vec wa[R], wb[R];
    for (int r = 0; r < R; ++r) {
      const char* row = w + r * a.K * es;
      if (prefetch) {  // kPrefetchBytes ahead; past the row's end, into the next tile's row
        const int64_t ahead = k * es + kPrefetchBytes;
        __builtin_prefetch(row + (ahead < a.K * es ? ahead : ahead + (R - 1) * a.K * es), 0, 3);
      }
      load_block<WT>(row, k, wa[r], wb[r]);
    }
    for (int t = 0; t < MT; ++t) {
      const Vec xa = Vec::load(x0 + t * a.K + k), xb = Vec::load(x0 + t * a.K + k + W);
      for (int r = 0; r < R; ++r) {
        acc[0][r][t] = Vec::fmadd(wa[r], xa, acc[0][r][t]);
        acc[S - 1][r][t] = Vec::fmadd(wb[r], xb, acc[S - 1][r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < MT; ++t) {
      float s = (S == 2 ? acc[0][r][t] + acc[S - 1][r][t] : acc[0][r][t]).sum();
      const float* xr = x0 + t * a.K;
      for (int64_t k = Kv; k < a.K; ++k) s += xr[k] * simd::load_scalar<WT>(a.w, (n + r) * a.K + k);
      float& y = a.y[(t0 + t) * a.y_stride + n + r];
      y = (a.accumulate ? y : 0.f) + s + (a.bias ? a.bias[n + r] : 0.f);
    }
}

// Tokens [t, a.T) of rows [n, n + R), fewer than 2 * MT of them: a tile of MT tokens if that
// many are left, then the rest in halves (MT a power of 2). `pf`: these rows' first pass.
template <DType WT, int R, int MT>
inline void rest(const MatMulArgs& a, const float* xp, int64_t Kv, int64_t n, int64_t t, bool pf) {
  if (a.T - t >= MT) {
    tile<WT, R, MT>(a, xp, Kv, n, t, pf);
    t += MT;
    pf = false;
  }
  if constexpr (MT > 1) rest<WT, R, MT / 2>(a, xp, Kv, n, t, pf);
}

// Tokens [0, T) of rows [n, n + R), MT tokens at a time; the first pass over the rows reads
// them from memory (prefetched), the others find them in cache.
template <DType WT, int R, int MT>
inline void rows(const MatMulArgs& a, const float* xp, int64_t Kv, int64_t n) {
  int64_t t = 0;
  for (; t + MT <= a.T; t += MT) tile<WT, R, MT>(a, xp, Kv, n, t, t == 0);
  if constexpr (MT > 1) rest<WT, R, MT / 2>(a, xp, Kv, n, t, t == 0);
}

// Tokens per tile: up to 4 (R = 4 rows x 4 tokens = 16 sums, 8 weight vectors, 2 of x).
// A GEMV (one token) streams 8 rows at once: more streams in flight read memory faster.
constexpr int kTileTokens = 4;
constexpr int kTileRows = 4;
constexpr int kGemvRows = 8;

// Output columns [n0, n1) of tokens [0, a.T), a.T * a.K <= kScratchFloats.
template <DType WT>
inline void matmul_batch(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch,
                         bool prepared) {
  const int64_t Kv = a.K / BK * BK;
  if (!prepared) prepare_x<WT>(a, Kv, scratch);
  int64_t n = n0;
  if (a.T == 1) {
    for (; n + kGemvRows <= n1; n += kGemvRows) rows<WT, kGemvRows, 1>(a, scratch, Kv, n);
  } else {
    for (; n + kTileRows <= n1; n += kTileRows) rows<WT, kTileRows, kTileTokens>(a, scratch, Kv, n);
  }
  for (; n < n1; ++n) rows<WT, 1, kTileTokens>(a, scratch, Kv, n);
}

// Output columns [n0, n1) for all T tokens, in batches of tokens whose prepared activations
// fit the scratch (kScratchFloats floats; K <= kScratchFloats). With a.x_prepared and all
// tokens in one batch, the scratch holds them already (an earlier chunk's preparation).
template <DType WT>
inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t batch = std::max<int64_t>(1, kScratchFloats / a.K);
  if (a.T <= batch) return matmul_batch<WT>(a, n0, n1, scratch, a.x_prepared);
  for (int64_t t = 0; t < a.T; t += batch) {
    MatMulArgs b = a;
    b.x += t * a.x_stride;
    b.y += t * a.y_stride;
    b.T = std::min(batch, a.T - t);
    matmul_batch<WT>(b, n0, n1, scratch, false);
  }
}

}  // namespace coil::KERNEL_NS::dot
