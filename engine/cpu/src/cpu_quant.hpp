// Matmuls of block-quantized weights (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) on
// integer activations and vpdpbusd (AVX-512 VNNI). Each token's x is quantized per block of
// 32 values: x ~ dx * x8 (dx = max|x| / 127, x8 = round(x / dx), as llama.cpp does), here
// with a second 8-bit part for the rest, x ~ dx * (x8 + lo / 256) (see matmul below). Every
// weight block is written as unsigned codes u with value = a * u + b (a, b per block of 32,
// per 16 for Q6_K), so a block's dot product is
//   sum w x ~ a * dx * sum(u * X) + b * dx * sum(X),   X = x8 (+ lo / 256)
// with the integer sums by vpdpbusd (u8 x s8, four products a lane). Where b = -2^s a
// (Q4_0, Q5_0, Q8_0, Q6_K: codes stored with an offset) the second term is folded into the
// integer sum; the other types add it in fp32. The error is that of rounding x (README,
// "Quantized weights on the CPU"). 64 values (two blocks, or a 64-value chunk of a K-type
// super-block) are one zmm of codes; a tile of R rows x MT tokens unpacks each row's codes
// and scales once for its MT tokens and reuses each token's prepared x for its R rows.
// Included by cpu_kernels_impl.hpp in the avx512vnni translation unit only.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "coil/quants.hpp"
#include "cpu_kernels.hpp"

namespace coil::KERNEL_NS::quant {

// One prepared pair (64 values) of one token: x8 in the weight type's code order, dx per
// lane (each int32 lane of vpdpbusd sums 4 codes of one block), the sum of the lane's 4 x8
// values, and dx times it (the factor of an offset b). Plain arrays: the scratch is not
// 64-byte aligned.
struct XPair {
  int8_t x8[64];
  int8_t lo[64];  // with 16-bit activations: the rounding rest of x8, in 1/256ths of dx
  float dx[16];
  int32_t sum[16];
  float e[16];
};
static_assert(sizeof(XPair) == 320);

// Code orders of a pair: Natural (value i of the 64 at byte i), or Nibbles (the Q4_0..Q5_1
// blocks' packing: bytes 0-15 values 0-15 of block 0, 16-31 values 0-15 of block 1, 32-47
// values 16-31 of block 0, 48-63 values 16-31 of block 1).
enum class Order { Natural, Nibbles };

inline float f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// The codes, scales a and offsets b of one pair of a row, lane by lane.
struct Unpacked {
  __m512i u;
  __m512 a, b;
};

// Per-type unpacking; Ctx carries what a row decodes once per quad of blocks or super-block.

inline __m512 lanes2(float v0, float v1, __mmask16 m) {
  return _mm512_mask_blend_ps(m, _mm512_set1_ps(v0), _mm512_set1_ps(v1));
}
// The low nibbles of the 32 bytes of v, then their high nibbles: 64 codes.
inline __m512i nibbles(__m256i v) {
  const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(v), v, 1);
  const __m512i shifts = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
  return _mm512_and_si512(_mm512_srlv_epi16(z, shifts), _mm512_set1_epi8(0x0f));
}
inline __m512i join(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
// The 16-byte code arrays of two blocks `stride` bytes apart, as one ymm.
inline __m256i load2x16(const uint8_t* p, int64_t stride) {
  return _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + stride)), 1);
}
// The f16 values at p, p + stride, ... (n <= 4 of them) in lanes 0..n-1.
inline __m512 f16x4(const uint8_t* p, int64_t stride, int n) {
  uint64_t h = 0;
  for (int i = 0; i < n; ++i) {
    uint16_t v;
    std::memcpy(&v, p + i * stride, 2);
    h |= uint64_t(v) << (16 * i);
  }
  return _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(h))));
}
// Lanes of a pair from the scales of its quad (lanes 0-3 of s): pair 0 of the quad takes
// s[0], s[1], pair 1 s[2], s[3], block 0 of the pair in the order's lanes of block 0.
// Permutation indices (vpermps) putting element i of a vector in the lanes of a pair:
// kLanes[0][k]: 8 lanes each for elements 2k and 2k + 1 (natural order); kLanes[1][k]: 4
// lanes each, alternating (nibble order); kLanes[2][k]: 4 lanes each for 4k .. 4k + 3.
alignas(64) inline constexpr int32_t kLanes[3][4][16] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
     {2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3},
     {4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5},
     {6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7}},
    {{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},
     {2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3},
     {4, 4, 4, 4, 5, 5, 5, 5, 4, 4, 4, 4, 5, 5, 5, 5},
     {6, 6, 6, 6, 7, 7, 7, 7, 6, 6, 6, 6, 7, 7, 7, 7}},
    {{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
     {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
     {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
     {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15}}};
inline __m512 lanes_of(__m512 s, int table, int k) {
  return _mm512_permutexvar_ps(_mm512_load_si512(kLanes[table][k]), s);
}
template <Order O>
inline __m512 pair_lanes(__m512 s, bool second) {
  return lanes_of(s, O == Order::Natural ? 0 : 1, second ? 1 : 0);
}

// Scales (and offsets) of two-block types, decoded per quad of 4 blocks (2 pairs) in one
// conversion; the row's last pair alone when the pairs are odd (nothing read past it).
struct QuadCtx {
  __m512 s, m;
};

// Q4_0 .. Q5_1: two blocks of 32, nibble order. kMin: an f16 offset m after d;
// kHigh: a 32-bit word of fifth bits after the scales.
template <int kBytes, bool kMin, bool kHigh, int kShift>
struct Legacy {
  static constexpr Order order = Order::Nibbles;
  static constexpr int shift = kShift;  // b = -2^shift a, or -1: b stored (m)
  static constexpr int64_t kBlockValues = 32;
  using Ctx = QuadCtx;
  static void unpack(const uint8_t* row, int64_t pair, int64_t pairs, Ctx& c, Unpacked& o) {
    const uint8_t* b0 = row + 2 * pair * kBytes;
    const uint8_t* b1 = b0 + kBytes;
    if (pair % 2 == 0) {
      const int n = pair + 1 < pairs ? 4 : 2;
      c.s = f16x4(b0, kBytes, n);
      if constexpr (kMin) c.m = f16x4(b0 + 2, kBytes, n);
    }
    constexpr int qs = 2 + (kMin ? 2 : 0) + (kHigh ? 4 : 0);
    o.u = nibbles(load2x16(b0 + qs, kBytes));
    if constexpr (kHigh) {  // bit j of qh: bit 4 of value j (j < 16: low nibbles)
      uint32_t h0, h1;
      std::memcpy(&h0, b0 + 2 + (kMin ? 2 : 0), 4);
      std::memcpy(&h1, b1 + 2 + (kMin ? 2 : 0), 4);
      const uint64_t lo = (h0 & 0xffff) | (h1 << 16), hi = (h0 >> 16) | (h1 & 0xffff0000u);
      o.u = _mm512_or_si512(o.u, _mm512_maskz_mov_epi8(lo | (hi << 32), _mm512_set1_epi8(0x10)));
    }
    o.a = pair_lanes<order>(c.s, pair % 2);
    if constexpr (kMin) o.b = pair_lanes<order>(c.m, pair % 2);
  }
};
using Q4_0 = Legacy<18, false, false, 3>;
using Q4_1 = Legacy<20, true, false, -1>;
using Q5_0 = Legacy<22, false, true, 4>;
using Q5_1 = Legacy<24, true, true, -1>;

// Q8_0: two blocks of 32 signed codes, natural order; u = q + 128.
struct Q8_0 {
  static constexpr Order order = Order::Natural;
  static constexpr int shift = 7;
  static constexpr int64_t kBlockValues = 32;
  using Ctx = QuadCtx;
  static void unpack(const uint8_t* row, int64_t pair, int64_t pairs, Ctx& c, Unpacked& o) {
    const uint8_t* b0 = row + 2 * pair * 34;
    if (pair % 2 == 0) c.s = f16x4(b0, 34, pair + 1 < pairs ? 4 : 2);
    const __m512i q = join(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2)),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 36)));
    o.u = _mm512_xor_si512(q, _mm512_set1_epi8(static_cast<char>(0x80)));
    o.a = pair_lanes<order>(c.s, pair % 2);
  }
};

// Q4_K / Q5_K: super-blocks of 256 in 4 chunks of 64 (sub-blocks 2c and 2c + 1), natural
// order; the 8 scales d * sc and offsets -dmin * mn are decoded once per super-block.
template <bool kFive>
struct KQuant {
  static constexpr Order order = Order::Natural;
  static constexpr int shift = -1;
  static constexpr int64_t kBlockValues = 256;
  static constexpr int kBytes = kFive ? 176 : 144;
  struct Ctx {
    __m512 a8, b8;  // lanes 0-7: sub-block j's scale / offset
  };
  static void unpack(const uint8_t* row, int64_t pair, int64_t, Ctx& c, Unpacked& o) {
    const uint8_t* sb = row + (pair / 4) * kBytes;
    const int chunk = static_cast<int>(pair % 4);
    if (chunk == 0) {  // the 6-bit scales and mins of the 8 sub-blocks (layout: quants.hpp)
      uint32_t w[3];
      std::memcpy(w, sb + 4, 12);
      const uint32_t lo6 = 0x3f3f3f3fu, lo4 = 0x0f0f0f0fu, lo2 = 0x03030303u;
      const uint64_t s8 = (w[0] & lo6) | uint64_t((w[2] & lo4) | (((w[0] >> 6) & lo2) << 4)) << 32;
      const uint64_t m8 = (w[1] & lo6) | uint64_t(((w[2] >> 4) & lo4) | (((w[1] >> 6) & lo2) << 4))
                                             << 32;
      const __m512 s = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(s8)));
      const __m512 m = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(m8)));
      c.a8 = _mm512_mul_ps(s, _mm512_set1_ps(f16(sb)));
      c.b8 = _mm512_mul_ps(m, _mm512_set1_ps(-f16(sb + 2)));
    }
    constexpr int qs = 16 + (kFive ? 32 : 0);
    o.u = nibbles(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + qs + 32 * chunk)));
    if constexpr (kFive) {  // bit j of qh[l]: bit 4 of value l of sub-block j
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + 16));
      const __m512i q2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), qh, 1);
      const __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8(char(1 << (2 * chunk))),
                                             _mm256_set1_epi8(char(1 << (2 * chunk + 1))), 1);
      o.u = _mm512_or_si512(
          o.u, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(q2, bit), _mm512_set1_epi8(0x10)));
    }
    o.a = lanes_of(c.a8, 0, chunk);  // lanes 0-7: sub-block 2c, 8-15: 2c + 1
    o.b = lanes_of(c.b8, 0, chunk);
  }
};
using Q4_K = KQuant<false>;
using Q5_K = KQuant<true>;

// Q6_K: super-blocks of 256 in 4 chunks of 64 (half h = chunk / 2, part c = chunk % 2),
// natural order, 6-bit codes u = q + 32, a scale per 16 values (d * sc, decoded once).
struct Q6_K {
  static constexpr Order order = Order::Natural;
  static constexpr int shift = 5;
  static constexpr int64_t kBlockValues = 256;
  struct Ctx {
    __m512 a16;  // lane i: d * sc[i]
  };
  static void unpack(const uint8_t* row, int64_t pair, int64_t, Ctx& c, Unpacked& o) {
    const uint8_t* sb = row + (pair / 4) * 210;
    const int chunk = static_cast<int>(pair % 4), h = chunk / 2, part = chunk % 2;
    (void)h;
    if (chunk == 0) {
      const __m512i s =
          _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + 192)));
      c.a16 = _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(f16(sb + 208)));
    }
    // low 4 bits: ql[64h + p % 64], low nibble for the first 64 values of the half
    const __m512i ql = _mm512_loadu_si512(sb + 64 * h);
    const __m512i lo = part == 0
                           ? _mm512_and_si512(ql, _mm512_set1_epi8(0x0f))
                           : _mm512_and_si512(_mm512_srli_epi16(ql, 4), _mm512_set1_epi8(0x0f));
    // high 2 bits: bits 2 * (p / 32) of qh[32h + p % 32]; this chunk's p / 32 = 2 part, +1
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + 128 + 32 * h));
    const __m256i three = _mm256_set1_epi8(3);
    const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(qh, 4 * part), three);
    const __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(qh, 4 * part + 2), three);
    o.u = _mm512_or_si512(lo, _mm512_slli_epi16(join(h0, h1), 4));
    o.a = lanes_of(c.a16, 2, chunk);  // the scales of this chunk's four groups of 16
  }
};

// Quantizes x[0, K) of one token (K a multiple of 64) into K / 64 prepared pairs.
// The 64 int32 values of q (16 each) as bytes in the order O.
template <Order O>
inline __m512i pack_bytes(const __m512i (&q)[4]) {
  __m128i b[4];  // values 0-15, 16-31 of block 0, then of block 1
  for (int i = 0; i < 4; ++i) b[i] = _mm512_cvtsepi32_epi8(q[i]);
  if constexpr (O == Order::Nibbles) std::swap(b[1], b[2]);
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(b[1], b[0])),
                            _mm256_set_m128i(b[3], b[2]), 1);
}

// Quantizes x[0, K) of one token (K a multiple of 64) into K / 64 prepared pairs: 8 bits
// (x ~ dx x8), or with kSplit 16 (x ~ dx (x8 + lo / 256), lo the rounding rest).
template <Order O, bool kSplit>
inline void prepare_token(const float* x, int64_t K, XPair* out) {
  for (int64_t p = 0; p < K / 64; ++p) {
    float dx[2];
    __m512i q[4], r[4];
    for (int b = 0; b < 2; ++b)
      for (int h = 0; h < 2; ++h) {
        const float* xb = x + 64 * p + 32 * b;
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(
            _mm512_abs_ps(_mm512_loadu_ps(xb)), _mm512_abs_ps(_mm512_loadu_ps(xb + 16))));
        dx[b] = amax / 127.f;
        const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(xb + 16 * h),
                                       _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f));
        q[2 * b + h] = _mm512_cvtps_epi32(v);  // round to nearest even
        if constexpr (kSplit)
          r[2 * b + h] = _mm512_cvtps_epi32(_mm512_mul_ps(
              _mm512_sub_ps(v, _mm512_cvtepi32_ps(q[2 * b + h])), _mm512_set1_ps(256.f)));
      }
    const __m512i x8 = pack_bytes<O>(q);
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, x8);
    __m512 dxv = O == Order::Natural ? lanes2(dx[0], dx[1], 0xff00) : lanes2(dx[0], dx[1], 0xf0f0);
    if constexpr (kSplit) {                 // in units of dx / 256
      const __m512i lo = pack_bytes<O>(r);  // saturated to int8 (a rest of exactly +1/2)
      _mm512_storeu_si512(out[p].lo, lo);
      sums = _mm512_dpbusd_epi32(_mm512_slli_epi32(sums, 8), ones, lo);
      dxv = _mm512_mul_ps(dxv, _mm512_set1_ps(1.f / 256));
    }
    _mm512_storeu_si512(out[p].x8, x8);
    _mm512_storeu_ps(out[p].dx, dxv);
    _mm512_storeu_si512(out[p].sum, sums);
    _mm512_storeu_ps(out[p].e, _mm512_mul_ps(dxv, _mm512_cvtepi32_ps(sums)));
  }
}

// Rows [n, n + R) x tokens [t0, t0 + MT). On the first pass over the rows (`prefetch`) the
// next R rows (contiguous: the next tile's) are prefetched a few lines per step, so they
// arrive while this tile computes (rows of a few KiB are too short for a distance per row).
template <class Q, bool kSplit, int R, int MT>
inline void tile(const MatMulArgs& a, const XPair* xp, int64_t pairs, size_t row_bytes, int64_t n,
                 int64_t t0, bool prefetch) {
  const int64_t next_lines = static_cast<int64_t>(R * row_bytes + 63) / 64;
  const int64_t step_lines = (next_lines + pairs - 1) / pairs;
  const char* next = static_cast<const char*>(a.w) + (n + R) * row_bytes;
  __m512 acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < MT; ++t) acc[r][t] = _mm512_setzero_ps();
  typename Q::Ctx ctx[R];
  const auto* w = static_cast<const uint8_t*>(a.w) + n * row_bytes;
  for (int64_t p = 0; p < pairs; ++p) {
    if (prefetch)
      for (int64_t l = p * step_lines; l < std::min(next_lines, (p + 1) * step_lines); ++l)
        _mm_prefetch(next + 64 * l, _MM_HINT_T0);
    Unpacked u[R];
    for (int r = 0; r < R; ++r) Q::unpack(w + r * row_bytes, p, pairs, ctx[r], u[r]);
    for (int t = 0; t < MT; ++t) {
      const XPair& x = xp[(t0 + t) * pairs + p];
      const __m512i x8 = _mm512_loadu_si512(x.x8);
      const __m512 dx = _mm512_loadu_ps(x.dx);
      // the integer sums start from the offset's share, -2^shift sum(x8), where it has one
      const __m512i init = Q::shift >= 0
                               ? _mm512_sub_epi32(_mm512_setzero_si512(),
                                                  _mm512_slli_epi32(_mm512_loadu_si512(x.sum),
                                                                    Q::shift < 0 ? 0 : Q::shift))
                               : _mm512_setzero_si512();
      const __m512i lo = kSplit ? _mm512_loadu_si512(x.lo) : x8;
      for (int r = 0; r < R; ++r) {
        __m512i d;
        if constexpr (kSplit)  // 256 sum(u hi) + sum(u lo) - offset share
          d = _mm512_dpbusd_epi32(
              _mm512_add_epi32(
                  _mm512_slli_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u[r].u, x8), 8),
                  init),
              u[r].u, lo);
        else
          d = _mm512_dpbusd_epi32(init, u[r].u, x8);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(u[r].a, dx), acc[r][t]);
        if constexpr (Q::shift < 0)
          acc[r][t] = _mm512_fmadd_ps(u[r].b, _mm512_loadu_ps(x.e), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < MT; ++t) {
      float& y = a.y[(t0 + t) * a.y_stride + n + r];
      y = (a.accumulate ? y : 0.f) + _mm512_reduce_add_ps(acc[r][t]) +
          (a.bias ? a.bias[n + r] : 0.f);
    }
}

template <class Q, bool kSplit, int R, int MT>
inline void rows(const MatMulArgs& a, const XPair* xp, int64_t pairs, size_t row_bytes, int64_t n) {
  int64_t t = 0;
  for (; t + MT <= a.T; t += MT) tile<Q, kSplit, R, MT>(a, xp, pairs, row_bytes, n, t, t == 0);
  const bool pf = t == 0;
  switch (a.T - t) {
    case 0:
      break;
    case 1:
      tile<Q, kSplit, R, 1>(a, xp, pairs, row_bytes, n, t, pf);
      break;
    case 2:
      if constexpr (MT > 2) tile<Q, kSplit, R, 2>(a, xp, pairs, row_bytes, n, t, pf);
      break;
    case 3:
      if constexpr (MT > 3) tile<Q, kSplit, R, 3>(a, xp, pairs, row_bytes, n, t, pf);
      break;
    default:
      break;
  }
}

// Pairs of prepared x per thread scratch, and per batch of tokens: every row tile reads
// the whole batch's x, which should stay in L2 (1 MiB); each batch reads the weights again.
constexpr int64_t kScratchPairs = kScratchFloats * 4 / static_cast<int64_t>(sizeof(XPair));
constexpr int64_t kBatchPairs = std::min<int64_t>(kScratchPairs, (1 << 20) / sizeof(XPair));

// Output columns [n0, n1) of tokens [0, a.T) of x W^T for a block type Q.
template <class Q, bool kSplit>
void matmul_q(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t pairs = a.K / 64;
  const size_t row_bytes = dtype_row_bytes(a.wt, a.K);
  auto* xp = reinterpret_cast<XPair*>(scratch);
  const int64_t batch = std::max<int64_t>(1, kBatchPairs / pairs);
  for (int64_t t0 = 0; t0 < a.T; t0 += batch) {
    MatMulArgs b = a;
    b.x += t0 * a.x_stride;
    b.y += t0 * a.y_stride;
    b.T = std::min(batch, a.T - t0);
    for (int64_t t = 0; t < b.T; ++t)
      prepare_token<Q::order, kSplit>(b.x + t * b.x_stride, b.K, xp + t * pairs);
    int64_t n = n0;
    if (b.T == 1) {
      for (; n + 4 <= n1; n += 4) rows<Q, kSplit, 4, 1>(b, xp, pairs, row_bytes, n);
    } else {
      for (; n + 4 <= n1; n += 4) rows<Q, kSplit, 4, 4>(b, xp, pairs, row_bytes, n);
    }
    for (; n < n1; ++n) rows<Q, kSplit, 1, 4>(b, xp, pairs, row_bytes, n);
  }
}

// Whether the kernels take weights of type t with rows of K values (whole pairs of 64).
inline bool supported(DType t, int64_t K) {
  return dtype_is_quantized(t) && K % 64 == 0 && K / 64 <= kScratchPairs;
}

template <bool kSplit>
inline void matmul_s(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  switch (a.wt) {
    case DType::Q8_0:
      return matmul_q<Q8_0, kSplit>(a, n0, n1, scratch);
    case DType::Q4_0:
      return matmul_q<Q4_0, kSplit>(a, n0, n1, scratch);
    case DType::Q4_1:
      return matmul_q<Q4_1, kSplit>(a, n0, n1, scratch);
    case DType::Q5_0:
      return matmul_q<Q5_0, kSplit>(a, n0, n1, scratch);
    case DType::Q5_1:
      return matmul_q<Q5_1, kSplit>(a, n0, n1, scratch);
    case DType::Q4_K:
      return matmul_q<Q4_K, kSplit>(a, n0, n1, scratch);
    case DType::Q5_K:
      return matmul_q<Q5_K, kSplit>(a, n0, n1, scratch);
    case DType::Q6_K:
      return matmul_q<Q6_K, kSplit>(a, n0, n1, scratch);
    default:
      return;
  }
}
// 16-bit activations (two 8-bit parts): with 8 bits the logits of the accuracy goldens
// (tests/engine/test_gguf_accuracy) erred by up to 3.0e-2 and one case's argmax agreed on
// fewer than 95% of tokens; with 16, by at most 2.0e-4 (README, "Quantized weights on the
// CPU"). matmul_s<false> (8 bits) stays for measurements.
inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  matmul_s<true>(a, n0, n1, scratch);
}

}  // namespace coil::KERNEL_NS::quant
