// Matmuls of block-quantized weights (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) on
// 8-bit activations and vpdpbusd (AVX-512 VNNI), as llama.cpp does: each token's x is
// quantized per block of 32 values (x ~ dx * x8, dx = max|x| / 127, x8 = round(x / dx)),
// every weight block is written as unsigned codes u with value = a * u + b (a, b per block
// of 32, per 16 for Q6_K), and a block's dot product is
//   sum w x ~ a * dx * sum(u * x8) + b * dx * sum(x8),
// the integer sum by vpdpbusd (u8 x s8, four products a lane). The error is that of rounding
// x to 8 bits (README, "Quantized weights on the CPU": measured against the f32-dequantized
// reference). 64 values (two blocks, or a 64-value chunk of a K-type super-block) are one
// zmm of codes; a tile of R rows x MT tokens unpacks each row's codes and scales once for its
// MT tokens and reuses each token's prepared x for its R rows.
// Included by cpu_kernels_impl.hpp in the avx512vnni translation unit only.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "coil/quants.hpp"
#include "cpu/cpu_kernels.hpp"

namespace coil::KERNEL_NS::quant {

// One prepared pair (64 values) of one token: x8 in the weight type's code order, dx per
// lane (each int32 lane of vpdpbusd sums 4 codes of one block), and dx * (sum of the lane's
// 4 x8 values), the factor of the offset b. Plain arrays: the scratch is not 64-byte aligned.
struct XPair {
  int8_t x8[64];
  float dx[16];
  float e[16];
};
static_assert(sizeof(XPair) == 192);

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

// Per-type unpacking. Ctx carries what a K-type row decodes once per super-block.
struct NoCtx {};

inline __m512 lanes2(float v0, float v1, __mmask16 m) {
  return _mm512_mask_blend_ps(m, _mm512_set1_ps(v0), _mm512_set1_ps(v1));
}
inline __m256i nibbles_lo(__m256i v) {
  return _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
}
inline __m256i nibbles_hi(__m256i v) {
  return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f));
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

// Q4_0 .. Q5_1: two blocks of 32, nibble order. kMin: an f16 offset m after d;
// kHigh: a 32-bit word of fifth bits after the scales.
template <int kBytes, bool kMin, bool kHigh, int kOffset>
struct Legacy {
  static constexpr Order order = Order::Nibbles;
  static constexpr int64_t kBlockValues = 32;
  using Ctx = NoCtx;
  static void unpack(const uint8_t* row, int64_t pair, Ctx&, Unpacked& o) {
    const uint8_t* b0 = row + 2 * pair * kBytes;
    const uint8_t* b1 = b0 + kBytes;
    constexpr int qs = 2 + (kMin ? 2 : 0) + (kHigh ? 4 : 0);
    const __m256i v = load2x16(b0 + qs, kBytes);
    __m256i lo = nibbles_lo(v), hi = nibbles_hi(v);
    if constexpr (kHigh) {  // bit j of qh: bit 4 of value j (j < 16: low nibbles)
      uint32_t h0, h1;
      std::memcpy(&h0, b0 + 2 + (kMin ? 2 : 0), 4);
      std::memcpy(&h1, b1 + 2 + (kMin ? 2 : 0), 4);
      const __mmask32 mlo = (h0 & 0xffff) | (h1 << 16);
      const __mmask32 mhi = (h0 >> 16) | (h1 & 0xffff0000u);
      lo = _mm256_or_si256(lo, _mm256_maskz_mov_epi8(mlo, _mm256_set1_epi8(0x10)));
      hi = _mm256_or_si256(hi, _mm256_maskz_mov_epi8(mhi, _mm256_set1_epi8(0x10)));
    }
    o.u = join(lo, hi);
    const float d0 = f16(b0), d1 = f16(b1);
    o.a = lanes2(d0, d1, 0xf0f0);
    if constexpr (kMin)
      o.b = lanes2(f16(b0 + 2), f16(b1 + 2), 0xf0f0);
    else
      o.b = _mm512_mul_ps(o.a, _mm512_set1_ps(-float(kOffset)));
  }
};
using Q4_0 = Legacy<18, false, false, 8>;
using Q4_1 = Legacy<20, true, false, 0>;
using Q5_0 = Legacy<22, false, true, 16>;
using Q5_1 = Legacy<24, true, true, 0>;

// Q8_0: two blocks of 32 signed codes, natural order; u = q + 128.
struct Q8_0 {
  static constexpr Order order = Order::Natural;
  static constexpr int64_t kBlockValues = 32;
  using Ctx = NoCtx;
  static void unpack(const uint8_t* row, int64_t pair, Ctx&, Unpacked& o) {
    const uint8_t* b0 = row + 2 * pair * 34;
    const __m512i q = join(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2)),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 36)));
    o.u = _mm512_xor_si512(q, _mm512_set1_epi8(static_cast<char>(0x80)));
    o.a = lanes2(f16(b0), f16(b0 + 34), 0xff00);
    o.b = _mm512_mul_ps(o.a, _mm512_set1_ps(-128.f));
  }
};

// Q4_K / Q5_K: super-blocks of 256 in 4 chunks of 64 (sub-blocks 2c and 2c + 1), natural
// order; the 8 scales d * sc and offsets -dmin * mn are decoded once per super-block.
template <bool kFive>
struct KQuant {
  static constexpr Order order = Order::Natural;
  static constexpr int64_t kBlockValues = 256;
  static constexpr int kBytes = kFive ? 176 : 144;
  struct Ctx {
    __m512 a8, b8;  // lanes 0-7: sub-block j's scale / offset
  };
  static void unpack(const uint8_t* row, int64_t pair, Ctx& c, Unpacked& o) {
    const uint8_t* sb = row + (pair / 4) * kBytes;
    const int chunk = static_cast<int>(pair % 4);
    if (chunk == 0) {  // the 6-bit scales and mins of the 8 sub-blocks
      uint8_t sc[8], mn[8];
      for (int j = 0; j < 8; ++j) k_scale_min(sb + 4, j, &sc[j], &mn[j]);
      uint64_t s8, m8;
      std::memcpy(&s8, sc, 8);
      std::memcpy(&m8, mn, 8);
      const __m512 s = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(s8)));
      const __m512 m = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(m8)));
      c.a8 = _mm512_mul_ps(s, _mm512_set1_ps(f16(sb)));
      c.b8 = _mm512_mul_ps(m, _mm512_set1_ps(-f16(sb + 2)));
    }
    constexpr int qs = 16 + (kFive ? 32 : 0);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + qs + 32 * chunk));
    __m256i lo = nibbles_lo(v), hi = nibbles_hi(v);
    if constexpr (kFive) {  // bit j of qh[l]: bit 4 of value l of sub-block j
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + 16));
      const __mmask32 mlo = _mm256_test_epi8_mask(qh, _mm256_set1_epi8(char(1 << (2 * chunk))));
      const __mmask32 mhi =
          _mm256_test_epi8_mask(qh, _mm256_set1_epi8(char(1 << (2 * chunk + 1))));
      lo = _mm256_or_si256(lo, _mm256_maskz_mov_epi8(mlo, _mm256_set1_epi8(0x10)));
      hi = _mm256_or_si256(hi, _mm256_maskz_mov_epi8(mhi, _mm256_set1_epi8(0x10)));
    }
    o.u = join(lo, hi);
    // lanes 0-7: sub-block 2c, 8-15: 2c + 1
    const __m512i idx = _mm512_set_epi32(2 * chunk + 1, 2 * chunk + 1, 2 * chunk + 1,
                                         2 * chunk + 1, 2 * chunk + 1, 2 * chunk + 1,
                                         2 * chunk + 1, 2 * chunk + 1, 2 * chunk, 2 * chunk,
                                         2 * chunk, 2 * chunk, 2 * chunk, 2 * chunk, 2 * chunk,
                                         2 * chunk);
    o.a = _mm512_permutexvar_ps(idx, c.a8);
    o.b = _mm512_permutexvar_ps(idx, c.b8);
  }
};
using Q4_K = KQuant<false>;
using Q5_K = KQuant<true>;

// Q6_K: super-blocks of 256 in 4 chunks of 64 (half h = chunk / 2, part c = chunk % 2),
// natural order, 6-bit codes u = q + 32, a scale per 16 values (d * sc, decoded once).
struct Q6_K {
  static constexpr Order order = Order::Natural;
  static constexpr int64_t kBlockValues = 256;
  struct Ctx {
    __m512 a16;  // lane i: d * sc[i]
  };
  static void unpack(const uint8_t* row, int64_t pair, Ctx& c, Unpacked& o) {
    const uint8_t* sb = row + (pair / 4) * 210;
    const int chunk = static_cast<int>(pair % 4), h = chunk / 2, part = chunk % 2;
    if (chunk == 0) {
      const __m512i s = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sb + 192)));
      c.a16 = _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(f16(sb + 208)));
    }
    // low 4 bits: ql[64h + p % 64], low nibble for the first 64 values of the half
    const __m512i ql = _mm512_loadu_si512(sb + 64 * h);
    const __m512i lo = part == 0 ? _mm512_and_si512(ql, _mm512_set1_epi8(0x0f))
                                 : _mm512_and_si512(_mm512_srli_epi16(ql, 4), _mm512_set1_epi8(0x0f));
    // high 2 bits: bits 2 * (p / 32) of qh[32h + p % 32]; this chunk's p / 32 = 2 part, +1
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sb + 128 + 32 * h));
    const __m256i three = _mm256_set1_epi8(3);
    const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(qh, 4 * part), three);
    const __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(qh, 4 * part + 2), three);
    o.u = _mm512_or_si512(lo, _mm512_slli_epi16(join(h0, h1), 4));
    const int s0 = 8 * h + 4 * part;  // the scales of this chunk's four groups of 16
    const __m512i idx = _mm512_set_epi32(s0 + 3, s0 + 3, s0 + 3, s0 + 3, s0 + 2, s0 + 2, s0 + 2,
                                         s0 + 2, s0 + 1, s0 + 1, s0 + 1, s0 + 1, s0, s0, s0, s0);
    o.a = _mm512_permutexvar_ps(idx, c.a16);
    o.b = _mm512_mul_ps(o.a, _mm512_set1_ps(-32.f));
  }
};

// Quantizes x[0, K) of one token (K a multiple of 64) into K / 64 prepared pairs.
template <Order O>
inline void prepare_token(const float* x, int64_t K, XPair* out) {
  for (int64_t p = 0; p < K / 64; ++p) {
    float dx[2];
    __m512i q[4];  // values 0-15, 16-31 of block 0, then of block 1, as int32
    for (int b = 0; b < 2; ++b) {
      const float* xb = x + 64 * p + 32 * b;
      const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
      const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
      dx[b] = amax / 127.f;
      const __m512 inv = _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
      q[2 * b] = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv));  // round to nearest even
      q[2 * b + 1] = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
    }
    __m128i bytes[4];  // 16 codes each, in the type's order
    if constexpr (O == Order::Natural) {
      for (int i = 0; i < 4; ++i) bytes[i] = _mm512_cvtsepi32_epi8(q[i]);
    } else {
      bytes[0] = _mm512_cvtsepi32_epi8(q[0]);
      bytes[1] = _mm512_cvtsepi32_epi8(q[2]);
      bytes[2] = _mm512_cvtsepi32_epi8(q[1]);
      bytes[3] = _mm512_cvtsepi32_epi8(q[3]);
    }
    const __m512i x8 = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_set_m128i(bytes[1], bytes[0])),
        _mm256_set_m128i(bytes[3], bytes[2]), 1);
    const __m512 dxv = O == Order::Natural ? lanes2(dx[0], dx[1], 0xff00) : lanes2(dx[0], dx[1], 0xf0f0);
    const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), x8);
    _mm512_storeu_si512(out[p].x8, x8);
    _mm512_storeu_ps(out[p].dx, dxv);
    _mm512_storeu_ps(out[p].e, _mm512_mul_ps(dxv, _mm512_cvtepi32_ps(sums)));
  }
}

// Rows [n, n + R) x tokens [t0, t0 + MT).
template <class Q, int R, int MT>
inline void tile(const MatMulArgs& a, const XPair* xp, int64_t pairs, size_t row_bytes, int64_t n,
                 int64_t t0) {
  __m512 acc[R][MT];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < MT; ++t) acc[r][t] = _mm512_setzero_ps();
  typename Q::Ctx ctx[R];
  const auto* w = static_cast<const uint8_t*>(a.w) + n * row_bytes;
  for (int64_t p = 0; p < pairs; ++p) {
    Unpacked u[R];
    for (int r = 0; r < R; ++r) Q::unpack(w + r * row_bytes, p, ctx[r], u[r]);
    for (int t = 0; t < MT; ++t) {
      const XPair& x = xp[(t0 + t) * pairs + p];
      const __m512i x8 = _mm512_loadu_si512(x.x8);
      const __m512 dx = _mm512_loadu_ps(x.dx), e = _mm512_loadu_ps(x.e);
      for (int r = 0; r < R; ++r) {
        const __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[r].u, x8);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(u[r].a, dx), acc[r][t]);
        acc[r][t] = _mm512_fmadd_ps(u[r].b, e, acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < MT; ++t) {
      float& y = a.y[(t0 + t) * a.y_stride + n + r];
      y = (a.accumulate ? y : 0.f) + _mm512_reduce_add_ps(acc[r][t]) + (a.bias ? a.bias[n + r] : 0.f);
    }
}

template <class Q, int R, int MT>
inline void rows(const MatMulArgs& a, const XPair* xp, int64_t pairs, size_t row_bytes, int64_t n) {
  int64_t t = 0;
  for (; t + MT <= a.T; t += MT) tile<Q, R, MT>(a, xp, pairs, row_bytes, n, t);
  switch (a.T - t) {
    case 0: break;
    case 1: tile<Q, R, 1>(a, xp, pairs, row_bytes, n, t); break;
    case 2: if constexpr (MT > 2) tile<Q, R, 2>(a, xp, pairs, row_bytes, n, t); break;
    case 3: if constexpr (MT > 3) tile<Q, R, 3>(a, xp, pairs, row_bytes, n, t); break;
    default: break;
  }
}

// Pairs of prepared x per thread scratch.
constexpr int64_t kScratchPairs = kScratchFloats * 4 / static_cast<int64_t>(sizeof(XPair));

// Output columns [n0, n1) of tokens [0, a.T) of x W^T for a block type Q.
template <class Q>
void matmul_q(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t pairs = a.K / 64;
  const size_t row_bytes = dtype_row_bytes(a.wt, a.K);
  auto* xp = reinterpret_cast<XPair*>(scratch);
  const int64_t batch = std::max<int64_t>(1, kScratchPairs / pairs);
  for (int64_t t0 = 0; t0 < a.T; t0 += batch) {
    MatMulArgs b = a;
    b.x += t0 * a.x_stride;
    b.y += t0 * a.y_stride;
    b.T = std::min(batch, a.T - t0);
    for (int64_t t = 0; t < b.T; ++t) prepare_token<Q::order>(b.x + t * b.x_stride, b.K, xp + t * pairs);
    int64_t n = n0;
    if (b.T == 1) {
      for (; n + 4 <= n1; n += 4) rows<Q, 4, 1>(b, xp, pairs, row_bytes, n);
    } else {
      for (; n + 2 <= n1; n += 2) rows<Q, 2, 4>(b, xp, pairs, row_bytes, n);
    }
    for (; n < n1; ++n) rows<Q, 1, 4>(b, xp, pairs, row_bytes, n);
  }
}

// Whether the kernels take weights of type t with rows of K values (whole pairs of 64).
inline bool supported(DType t, int64_t K) {
  return dtype_is_quantized(t) && K % 64 == 0 && K / 64 <= kScratchPairs;
}

inline void matmul(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  switch (a.wt) {
    case DType::Q8_0: return matmul_q<Q8_0>(a, n0, n1, scratch);
    case DType::Q4_0: return matmul_q<Q4_0>(a, n0, n1, scratch);
    case DType::Q4_1: return matmul_q<Q4_1>(a, n0, n1, scratch);
    case DType::Q5_0: return matmul_q<Q5_0>(a, n0, n1, scratch);
    case DType::Q5_1: return matmul_q<Q5_1>(a, n0, n1, scratch);
    case DType::Q4_K: return matmul_q<Q4_K>(a, n0, n1, scratch);
    case DType::Q5_K: return matmul_q<Q5_K>(a, n0, n1, scratch);
    case DType::Q6_K: return matmul_q<Q6_K>(a, n0, n1, scratch);
    default: return;
  }
}

}  // namespace coil::KERNEL_NS::quant
