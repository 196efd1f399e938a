// Matmuls of Q4_0 / Q8_0 weights in the backend's row-group layout (cpu_repack.hpp) on
// 16-bit activations and vpdpbusd (AVX-512 VNNI). One zmm of codes holds 4 values of each
// of 16 rows, so each vpdpbusd takes the same 4 activations broadcast to all lanes and adds
// into 16 rows' integer sums at once: no per-row unpacking, no horizontal sums, a block's
// 16 scales are one f16 load. Each token's x is quantized per block of 32 as in
// cpu_quant.hpp (x ~ dx (x8 + lo / 256), the same rounding), so the sums are the same
// integers the row kernels form:
//   y[r] += a[r] dx (256 sum(u x8) + sum(u lo) - 2^shift (256 sum(x8) + sum(lo)))
// (a the block's scale, value = a (u - 2^shift)). The weights stream as one sequential read
// per thread, software-prefetched kPrefetchBytes ahead. Included by
// cpu_kernels_impl.hpp in the avx512vnni translation unit only.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "coil/dtype.hpp"
#include "cpu_kernels.hpp"
#include "cpu_repack.hpp"

namespace coil::KERNEL_NS::groups {

// One block (32 values) of one token, prepared.
struct XBlock {
  int8_t x8[32];
  int8_t lo[32];   // the rounding rest of x8, in 1/256ths of dx
  float dx;        // max|x| / 127 / 256
  int32_t offset;  // -2^shift (256 sum(x8) + sum(lo)): the codes' offset, folded in
  float e;         // dx (256 sum(x8) + sum(lo)): the block's sum, for an offset in fp32
  int32_t pad;
};

template <int kShift>  // 0: no offset folded in
inline void prepare_token(const float* x, int64_t K, XBlock* out) {
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t b = 0; b < K / 32; ++b) {
    const __m512 v0 = _mm512_loadu_ps(x + 32 * b), v1 = _mm512_loadu_ps(x + 32 * b + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const __m512 inv = _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
    const __m512 s0 = _mm512_mul_ps(v0, inv), s1 = _mm512_mul_ps(v1, inv);
    const __m512i q0 = _mm512_cvtps_epi32(s0), q1 = _mm512_cvtps_epi32(s1);  // nearest even
    const __m512 k256 = _mm512_set1_ps(256.f);
    const __m512i r0 =
        _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(s0, _mm512_cvtepi32_ps(q0)), k256));
    const __m512i r1 =
        _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(s1, _mm512_cvtepi32_ps(q1)), k256));
    const __m256i x8 = _mm256_set_m128i(_mm512_cvtsepi32_epi8(q1), _mm512_cvtsepi32_epi8(q0));
    const __m256i lo = _mm256_set_m128i(_mm512_cvtsepi32_epi8(r1), _mm512_cvtsepi32_epi8(r0));
    XBlock& o = out[b];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.x8), x8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.lo), lo);  // saturated, as cpu_quant.hpp
    const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(x8), lo, 1);
    const __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, both);
    const int32_t sx8 = _mm512_mask_reduce_add_epi32(0x00ff, s);
    const int32_t slo = _mm512_mask_reduce_add_epi32(0xff00, s);
    o.dx = amax / 127.f * (1.f / 256);
    o.offset = -((256 * sx8 + slo) * (1 << kShift));
    o.e = o.dx * static_cast<float>(256 * sx8 + slo);
  }
}

// The per-type part: codes of one block of a group as 8 vectors of unsigned codes, vector
// j holding values 4j .. 4j + 3 of each row.
struct Q8_0 {
  static constexpr int shift = 7;
  static constexpr int64_t kCodeBytes = 512;
  static void codes(const uint8_t* c, __m512i (&u)[8]) {
    for (int j = 0; j < 8; ++j) u[j] = _mm512_loadu_si512(c + 64 * j);
  }
};
struct Q4_0 {
  static constexpr int shift = 3;
  static constexpr int64_t kCodeBytes = 256;
  static void codes(const uint8_t* c, __m512i (&u)[8]) {
    const __m512i m = _mm512_set1_epi8(0x0f);
    for (int k = 0; k < 4; ++k) {
      const __m512i v = _mm512_loadu_si512(c + 64 * k);
      u[2 * k] = _mm512_and_si512(v, m);
      u[2 * k + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m);
    }
  }
};

inline __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

inline __m512i block_sum(const __m512i (&u)[8], const XBlock& x, __m512i init);

// Pairs of blocks prefetched ahead of the one computed (one sequential stream per thread;
// the hardware prefetcher stops at 4 KiB boundaries): 4 pairs of Q4_0, a super-block of Q4_K.
#ifndef COIL_GROUPS_PREFETCH_BYTES  // (a macro only for measuring other distances)
#define COIL_GROUPS_PREFETCH_BYTES 2304
#endif
constexpr int64_t kPrefetchBytes = COIL_GROUPS_PREFETCH_BYTES;

// S groups (16 rows each from g[s]: S sequential streams) x MT tokens (prepared blocks
// xb + t * blocks): acc[s][t] lane r gets row r of group s's dot product with token t.
template <class Q, int S, int MT>
inline void group(const uint8_t* const (&g)[S], int64_t pairs, const XBlock* xb, int64_t blocks,
                  __m512 (&acc)[S][MT], bool prefetch) {
  constexpr int64_t kPair = 64 + 2 * Q::kCodeBytes;
  for (int s = 0; s < S; ++s)
    for (int t = 0; t < MT; ++t) acc[s][t] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p)
    for (int s = 0; s < S; ++s) {
      const uint8_t* pp = g[s] + p * kPair;
      if (prefetch && kPrefetchBytes > 0)
        for (int64_t l = 0; l < kPair; l += 64) _mm_prefetch(pp + kPrefetchBytes + l, _MM_HINT_T0);
      const __m512 sc[2] = {
          _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pp))),
          _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pp + 32)))};
      for (int h = 0; h < 2; ++h) {
        __m512i u[8];
        Q::codes(pp + 64 + h * Q::kCodeBytes, u);
        for (int t = 0; t < MT; ++t) {
          const XBlock& x = xb[t * blocks + 2 * p + h];
          const __m512i d = block_sum(u, x, _mm512_set1_epi32(x.offset));
          acc[s][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d),
                                      _mm512_mul_ps(sc[h], _mm512_set1_ps(x.dx)), acc[s][t]);
        }
      }
    }
}

// The integer sum of one block of 16 rows (codes u) with token x: lanes = rows.
inline __m512i block_sum(const __m512i (&u)[8], const XBlock& x, __m512i init) {
  // two chains each for x8 and lo (vpdpbusd's latency)
  __m512i hi0 = _mm512_setzero_si512(), hi1 = _mm512_setzero_si512();
  __m512i lo0 = init, lo1 = _mm512_setzero_si512();
  for (int j = 0; j < 8; j += 2) {
    hi0 = _mm512_dpbusd_epi32(hi0, u[j], bcast4(x.x8 + 4 * j));
    hi1 = _mm512_dpbusd_epi32(hi1, u[j + 1], bcast4(x.x8 + 4 * j + 4));
    lo0 = _mm512_dpbusd_epi32(lo0, u[j], bcast4(x.lo + 4 * j));
    lo1 = _mm512_dpbusd_epi32(lo1, u[j + 1], bcast4(x.lo + 4 * j + 4));
  }
  return _mm512_add_epi32(_mm512_slli_epi32(_mm512_add_epi32(hi0, hi1), 8),
                          _mm512_add_epi32(lo0, lo1));
}

// Q4_K: one group (16 rows from `g`) x MT tokens, super-block by super-block: the 8
// sub-blocks' scales a = d sc and offsets b = -dmin mn of the 16 rows decoded in lanes,
// y += a dx isum + b e.
template <int S, int MT>
inline void group_q4k(const uint8_t* const (&g)[S], int64_t supers, const XBlock* xb,
                      int64_t blocks, __m512 (&acc)[S][MT], bool prefetch) {
  constexpr int64_t kSuper = 16 * 144;
  for (int s = 0; s < S; ++s)
    for (int t = 0; t < MT; ++t) acc[s][t] = _mm512_setzero_ps();
  const __m512i lo6 = _mm512_set1_epi32(0x3f3f3f3f), lo4 = _mm512_set1_epi32(0x0f0f0f0f),
                hi2 = _mm512_set1_epi32(0x30303030), byte = _mm512_set1_epi32(0xff);
  for (int64_t q = 0; q < supers; ++q)
    for (int s = 0; s < S; ++s) {
      const uint8_t* sp = g[s] + q * kSuper;
      if (prefetch && kPrefetchBytes > 0)
        for (int64_t l = 0; l < kSuper; l += 64) _mm_prefetch(sp + kPrefetchBytes + l, _MM_HINT_T0);
      const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp)));
      const __m512 dmin = _mm512_sub_ps(
          _mm512_setzero_ps(),
          _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sp + 32))));
      const __m512i w0 = _mm512_loadu_si512(sp + 64), w1 = _mm512_loadu_si512(sp + 128),
                    w2 = _mm512_loadu_si512(sp + 192);
      // bytes j of each lane: sc / mn of sub-blocks j (lo) and 4 + j (hi)
      const __m512i sc[2] = {_mm512_and_si512(w0, lo6),
                             _mm512_or_si512(_mm512_and_si512(w2, lo4),
                                             _mm512_and_si512(_mm512_srli_epi32(w0, 2), hi2))};
      const __m512i mn[2] = {_mm512_and_si512(w1, lo6),
                             _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(w2, 4), lo4),
                                             _mm512_and_si512(_mm512_srli_epi32(w1, 2), hi2))};
      for (int j = 0; j < 8; ++j) {
        const int sh = 8 * (j % 4);
        const __m512 a = _mm512_mul_ps(
            d, _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(sc[j / 4], sh), byte)));
        const __m512 b = _mm512_mul_ps(
            dmin, _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(mn[j / 4], sh), byte)));
        __m512i u[8];
        Q4_0::codes(sp + 256 + 256 * j, u);
        for (int t = 0; t < MT; ++t) {
          const XBlock& x = xb[t * blocks + 8 * q + j];
          const __m512i isum = block_sum(u, x, _mm512_setzero_si512());
          acc[s][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum),
                                      _mm512_mul_ps(a, _mm512_set1_ps(x.dx)), acc[s][t]);
          acc[s][t] = _mm512_fmadd_ps(b, _mm512_set1_ps(x.e), acc[s][t]);
        }
      }
    }
}

template <int MT>
inline void store(const MatMulArgs& a, int64_t t0, int64_t n, const __m512 (&acc)[MT], int64_t r0,
                  int64_t r1) {
  const __mmask16 m = static_cast<__mmask16>(((1u << (r1 - r0)) - 1) << r0);
  for (int t = 0; t < MT; ++t) {
    float* y = a.y + (t0 + t) * a.y_stride + n;
    __m512 v = acc[t];
    if (a.bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, a.bias + n));
    if (a.accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, y));
    _mm512_mask_storeu_ps(y, m, v);
  }
}

// The kernels per type, on a group of rows of K values.
template <class Q>
struct Blocks : Q {
  template <int S, int MT>
  static void run(const uint8_t* const (&g)[S], int64_t K, const XBlock* xb, int64_t blocks,
                  __m512 (&acc)[S][MT], bool prefetch) {
    group<Q, S, MT>(g, K / 64, xb, blocks, acc, prefetch);
  }
};
using Q8_0g = Blocks<Q8_0>;
using Q4_0g = Blocks<Q4_0>;
struct Q4_K {
  static constexpr int shift = 0;
  template <int S, int MT>
  static void run(const uint8_t* const (&g)[S], int64_t K, const XBlock* xb, int64_t blocks,
                  __m512 (&acc)[S][MT], bool prefetch) {
    group_q4k<S, MT>(g, K / 256, xb, blocks, acc, prefetch);
  }
};

#ifndef COIL_GROUPS_STREAMS  // (a macro only for measuring)
#define COIL_GROUPS_STREAMS 4
#endif
// Streams a thread reads at once where one token is computed at a time.
constexpr int kStreams = COIL_GROUPS_STREAMS;

// Tokens per tile: the group's codes are unpacked once for MT tokens.
constexpr int kTileTokens = 4;

// Rows [n0, n1) of the grouped rows (a.grouped_rows), all tokens.
template <class Q>
void matmul_groups(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t blocks = a.K / 32;
  const size_t row_bytes = dtype_row_bytes(a.wt, a.K);
  auto* xb = reinterpret_cast<XBlock*>(scratch);
  // tokens per batch: their prepared x stays in L2 while every group reads it
  const int64_t per_token = blocks * static_cast<int64_t>(sizeof(XBlock));
  const int64_t batch =
      std::max<int64_t>(1, std::min<int64_t>(kScratchFloats * 4, 1 << 20) / per_token);
  for (int64_t t0 = 0; t0 < a.T; t0 += batch) {
    const int64_t T = std::min(batch, a.T - t0);
    for (int64_t t = 0; t < T; ++t)
      prepare_token<Q::shift>(a.x + (t0 + t) * a.x_stride, a.K, xb + t * blocks);
    // groups [ga, gb): one token from kStreams streams (the range in kStreams parts, a
    // group of each in turn), or several tokens a tile at a time
    constexpr int64_t G = repack::kGroupRows;
    const int64_t ga = n0 / G, gb = (n1 + G - 1) / G;
    const auto* w = static_cast<const uint8_t*>(a.w);
    auto put = [&](int64_t t, int64_t gi, const auto& acc) {
      const int64_t n = gi * G;
      store(a, t0 + t, n, acc, std::max<int64_t>(n0 - n, 0), std::min<int64_t>(n1 - n, G));
    };
    int64_t gi = ga;
    if (T < kTileTokens && kStreams > 1) {
      const int64_t part = (gb - ga) / kStreams;
      for (int64_t i = 0; i < part; ++i) {
        const uint8_t* g[kStreams];
        for (int s = 0; s < kStreams; ++s) g[s] = w + (ga + s * part + i) * G * row_bytes;
        for (int64_t t = 0; t < T; ++t) {
          __m512 acc[kStreams][1];
          Q::template run<kStreams, 1>(g, a.K, xb + t * blocks, blocks, acc, t == 0);
          for (int s = 0; s < kStreams; ++s) put(t, ga + s * part + i, acc[s]);
        }
      }
      gi = ga + kStreams * part;
    }
    for (; gi < gb; ++gi) {
      const uint8_t* g[1] = {w + gi * G * row_bytes};
      int64_t t = 0;
      for (; t + kTileTokens <= T; t += kTileTokens) {
        __m512 acc[1][kTileTokens];
        Q::template run<1, kTileTokens>(g, a.K, xb + t * blocks, blocks, acc, t == 0);
        put(t, gi, acc[0]);
      }
      for (; t < T; ++t) {
        __m512 acc[1][1];
        Q::template run<1, 1>(g, a.K, xb + t * blocks, blocks, acc, t == 0);
        put(t, gi, acc[0]);
      }
    }
  }
}

inline bool supported(DType t, int64_t N, int64_t K) {
  return repack::supported(t, N, K) &&
         K / 32 * static_cast<int64_t>(sizeof(XBlock)) <= kScratchFloats * 4;
}

// Rows [n0, n1) of x W^T for W in the row-group layout: its grouped rows here, the rows
// after them (stored as is) by the row kernels.
inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t split = std::clamp(a.grouped_rows, n0, n1);
  if (n0 < split) {
    if (a.wt == DType::Q8_0)
      matmul_groups<Q8_0g>(a, n0, split, scratch);
    else if (a.wt == DType::Q4_0)
      matmul_groups<Q4_0g>(a, n0, split, scratch);
    else
      matmul_groups<Q4_K>(a, n0, split, scratch);
  }
  if (split < n1) quant::matmul(a, split, n1, scratch);
}

}  // namespace coil::KERNEL_NS::groups
