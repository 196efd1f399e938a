// One GGUF block (layouts: engine/base/include/coil/quants.hpp) dequantized a unit at a time, for
// the CUDA kernels (gemv_blocks.cu, dequant_rows.cu, get_rows.cu, proj_scan.cu) and, the same
// code compiled for the host, for tests/engine/test_quant_block.cpp, which checks it bit for
// bit against the scalar reference (no GPU needed to prove the block arithmetic).
//
// A block of kBS values is cut into kUPB units of kNG groups of 4 consecutive values (16
// values per unit for Q8_0 .. Q5_1, 32 for the K types): unit<T, E>(block, u, v) writes
// v[4 i + j] = value group_pos<T>(u, i) + j of the block. A unit reads its codes once
// (the 4-bit types: one 16-byte load of a K type, two 32-bit words otherwise) and its
// scales once, so a GEMV lane streams whole units.
//
// Alignment: blocks are 18 to 210 bytes, so in a tensor whose first byte is 16-byte aligned
// (the kernels check it) block b starts on gcd(kBB, 16) bytes (kAlign): 2 for Q8_0, Q4_0,
// Q5_0 and Q6_K, 4 for Q4_1, 8 for Q5_1, 16 for Q4_K and Q5_K. The loads below use the widest
// access that alignment allows (16-bit halves for a 2-aligned word).
//
// E (exact): each product and sum rounded to f32 as dequantize_row() does (no FMA
// contraction); without E the kernels let the compiler fuse (GEMV, where only the sum counts).
#pragma once
#include <cstdint>
#include <cstring>

#include "coil/dtype.hpp"

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#define COIL_QB __host__ __device__ __forceinline__
#else
#define COIL_QB inline
#endif
#ifdef __CUDA_ARCH__  // the device pass (the host compiler does not know the pragma)
#define COIL_QB_UNROLL _Pragma("unroll")
#else
#define COIL_QB_UNROLL
#endif

namespace coil::qblock {

// kBS values in kBB bytes (the block type's own facts, coil/dtype.hpp); kUPB units of kNG
// groups of 4 (4 groups for the 32-value types, 8 for the 256-value K types); kAlign as above:
// gcd(kBB, 16).
template <DType T>
struct Layout {
  static_assert(dtype_is_quantized(T), "a GGUF block type");
  static constexpr int kBS = int(dtype_block_size(T));
  static constexpr int kBB = int(dtype_block_bytes(T));
  static constexpr int kNG = kBS == 256 ? 8 : 4;
  static constexpr int kUPB = kBS / (kNG * 4);
  static constexpr int kAlign = kBB % 16 == 0 ? 16 : kBB % 8 == 0 ? 8 : kBB % 4 == 0 ? 4 : 2;
};
static_assert(Layout<DType::Q8_0>::kAlign == 2 && Layout<DType::Q4_1>::kAlign == 4 &&
              Layout<DType::Q5_1>::kAlign == 8 && Layout<DType::Q4_K>::kAlign == 16 &&
              Layout<DType::Q6_K>::kAlign == 2 && Layout<DType::Q5_K>::kUPB == 8 &&
              Layout<DType::Q5_0>::kUPB == 2);

// --- loads (little-endian), each from an address aligned as its name says -----------------

COIL_QB uint32_t ld8(const uint8_t* p) {
#ifdef __CUDA_ARCH__
  return __ldg(p);
#else
  return *p;
#endif
}
// 16 bits at an even address
COIL_QB uint32_t ld16(const uint8_t* p) {
#ifdef __CUDA_ARCH__
  return __ldg(reinterpret_cast<const unsigned short*>(p));
#else
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
#endif
}
// 32 bits at an address aligned to A (2 or more) bytes
template <int A>
COIL_QB uint32_t ld32(const uint8_t* p) {
  static_assert(A >= 2, "no block field is odd-aligned");
#ifdef __CUDA_ARCH__
  if constexpr (A >= 4) {
    return __ldg(reinterpret_cast<const unsigned int*>(p));
  } else {
    return ld16(p) | (ld16(p + 2) << 16);
  }
#else
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
#endif
}
struct Words4 {
  uint32_t w[4];
};
// 16 bytes at an address aligned to A bytes
template <int A>
COIL_QB Words4 ld128(const uint8_t* p) {
#ifdef __CUDA_ARCH__
  if constexpr (A >= 16) {
    const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
    return {{v.x, v.y, v.z, v.w}};
  }
#endif
  constexpr int a = A < 4 ? A : 4;
  return {{ld32<a>(p), ld32<a>(p + 4), ld32<a>(p + 8), ld32<a>(p + 12)}};
}

// --- exact arithmetic helpers ---------------------------------------------------------------

COIL_QB float bits_to_float(uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}
COIL_QB float half_to_float(uint32_t h) {
#ifdef __CUDA_ARCH__
  return __half2float(__ushort_as_half(static_cast<unsigned short>(h)));
#else
  return f16_to_f32(static_cast<uint16_t>(h));
#endif
}
// q - zero for a code q < 2^16 and an integer zero < 2^16, exactly, without an
// int-to-float conversion (a quarter-rate instruction on NVIDIA GPUs): the float with the
// bits of 2^23 + q, minus 2^23 + zero.
COIL_QB float code(uint32_t q, int zero = 0) {
  return bits_to_float(0x4B000000u | q) - (8388608.0f + static_cast<float>(zero));
}
// a * b, rounded once (E) or as the compiler likes
template <bool E>
COIL_QB float mul(float a, float b) {
#ifdef __CUDA_ARCH__
  if constexpr (E) return __fmul_rn(a, b);
#endif
  return a * b;
}
// a * b + c: each rounded (E, as the reference), else one FMA
template <bool E>
COIL_QB float mul_add(float a, float b, float c) {
  if constexpr (E) {
#ifdef __CUDA_ARCH__
    return __fadd_rn(__fmul_rn(a, b), c);
#else
    const float p = a * b;  // the host test is compiled with -ffp-contract=off
    return p + c;
#endif
  } else {
#ifdef __CUDA_ARCH__
    return fmaf(a, b, c);
#else
    const float p = a * b;
    return p + c;
#endif
  }
}

// Scale sc[j] and min mn[j] (6 bits) of a Q4_K/Q5_K block from its 12 scale bytes s[0..2].
// (The word is picked with selects: indexing s[i >> 2] here is miscompiled by GCC 12.2 at -O2
// once inlined into unit(), which test_quant_block caught: mn[0] read from byte 8.)
COIL_QB void k_scale_min(const uint32_t (&s)[3], int j, uint32_t& sc, uint32_t& mn) {
  auto byte = [&](int i) {
    const uint32_t w = i < 4 ? s[0] : i < 8 ? s[1] : s[2];
    return (w >> (8 * (i & 3))) & 0xffu;
  };
  if (j < 4) {
    sc = byte(j) & 63u;
    mn = byte(j + 4) & 63u;
  } else {
    sc = (byte(j + 4) & 15u) | ((byte(j - 4) >> 6) << 4);
    mn = (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4);
  }
}

// --- units ----------------------------------------------------------------------------------

// Position in the block of group i (0 .. kNG-1) of unit u (0 .. kUPB-1).
template <DType T>
COIL_QB int group_pos(int u, int i) {
  if constexpr (T == DType::Q8_0) {
    return 16 * u + 4 * i;  // codes 16u .. 16u + 15
  } else if constexpr (Layout<T>::kBS == 32) {
    // code bytes 8u .. 8u + 7 (two words w = i & 1): low nibbles are values 8u + 4w + j,
    // high nibbles 16 + 8u + 4w + j
    return 16 * (i >> 1) + 8 * u + 4 * (i & 1);
  } else if constexpr (T == DType::Q6_K) {
    // u = 4 hh + g, i = 2 o + w: value 128 hh + 32 o + 8 g + 4 w + j
    return 128 * (u >> 2) + 32 * (i >> 1) + 8 * (u & 3) + 4 * (i & 1);
  } else {
    // Q4_K/Q5_K, u = 2 c + h: code bytes 32 c + 16 h .. + 15 (word i & 3): low nibbles are
    // sub-block 2c (i < 4), high nibbles sub-block 2c + 1
    return 64 * (u >> 1) + (i >= 4 ? 32 : 0) + 16 * (u & 1) + 4 * (i & 3);
  }
}

// Unit u of the block at p (aligned to Layout<T>::kAlign): v[4 i + j] = value
// group_pos<T>(u, i) + j, for i < kNG and j < 4.
template <DType T, bool E>
COIL_QB void unit(const uint8_t* p, int u, float* v) {
  using L = Layout<T>;
  constexpr int A4 = L::kAlign < 4 ? L::kAlign : 4;  // of any 4-aligned offset in the block
  if constexpr (T == DType::Q8_0) {
    const float d = half_to_float(ld16(p));
    COIL_QB_UNROLL
    for (int i = 0; i < 4; ++i) {
      const uint32_t w = ld32<2>(p + 2 + 16 * u + 4 * i);
      COIL_QB_UNROLL
      for (int j = 0; j < 4; ++j)  // int8: (byte ^ 0x80) - 128
        v[4 * i + j] = mul<E>(code(((w >> (8 * j)) & 0xffu) ^ 0x80u, 128), d);
    }
  } else if constexpr (L::kBS == 32) {
    constexpr bool kMin = T == DType::Q4_1 || T == DType::Q5_1;  // x = d q + m
    constexpr bool kFive = T == DType::Q5_0 || T == DType::Q5_1;
    constexpr int kQs = T == DType::Q4_0 ? 2 : T == DType::Q4_1 ? 4 : T == DType::Q5_0 ? 6 : 8;
    constexpr int kQh = T == DType::Q5_0 ? 2 : 4;
    constexpr int kZero = kMin ? 0 : kFive ? 16 : 8;
    const float d = half_to_float(ld16(p));
    const float m = kMin ? half_to_float(ld16(p + 2)) : 0.0f;
    const uint32_t qh = kFive ? ld32<A4>(p + kQh) : 0u;
    COIL_QB_UNROLL
    for (int w = 0; w < 2; ++w) {
      const uint32_t word = ld32<A4>(p + kQs + 8 * u + 4 * w);
      COIL_QB_UNROLL
      for (int half = 0; half < 2; ++half) COIL_QB_UNROLL
      for (int j = 0; j < 4; ++j) {
        const int pos = 16 * half + 8 * u + 4 * w + j;
        uint32_t q = (word >> (8 * j + 4 * half)) & 15u;
        if constexpr (kFive) q |= ((qh >> pos) & 1u) << 4;
        const int i = 2 * half + w;
        v[4 * i + j] = kMin ? mul_add<E>(d, code(q), m) : mul<E>(d, code(q, kZero));
      }
    }
  } else if constexpr (T == DType::Q6_K) {
    const int hh = u >> 2, l0 = 8 * (u & 3);
    const float d = half_to_float(ld16(p + 208));
    COIL_QB_UNROLL
    for (int w = 0; w < 2; ++w) {
      const int l = l0 + 4 * w;
      const uint32_t lo = ld32<2>(p + 64 * hh + l), hi = ld32<2>(p + 64 * hh + 32 + l);
      const uint32_t qh = ld32<2>(p + 128 + 32 * hh + l);
      COIL_QB_UNROLL
      for (int o = 0; o < 4; ++o) {
        // value 128 hh + 32 o + l + j: low nibble of lo (o = 0), of hi (1), high nibble of
        // lo (2), of hi (3); its top 2 bits at bit 2 o of qh's byte j
        const uint32_t src = (o & 1) ? hi : lo;
        const int sc = static_cast<int8_t>(ld8(p + 192 + 8 * hh + (l0 >> 4) + 2 * o));
        const float ds = mul<E>(d, static_cast<float>(sc));
        COIL_QB_UNROLL
        for (int j = 0; j < 4; ++j) {
          const uint32_t q =
              ((src >> (8 * j + 4 * (o >> 1))) & 15u) | (((qh >> (8 * j + 2 * o)) & 3u) << 4);
          v[4 * (2 * o + w) + j] = mul<E>(ds, code(q, 32));
        }
      }
    }
  } else {
    static_assert(T == DType::Q4_K || T == DType::Q5_K);
    constexpr bool kFive = T == DType::Q5_K;
    const int c = u >> 1, h = u & 1;
    const float d = half_to_float(ld16(p)), dmin = half_to_float(ld16(p + 2));
    const uint32_t s[3] = {ld32<4>(p + 4), ld32<4>(p + 8), ld32<4>(p + 12)};
    uint32_t sc0, mn0, sc1, mn1;
    k_scale_min(s, 2 * c, sc0, mn0);
    k_scale_min(s, 2 * c + 1, sc1, mn1);
    const float ds0 = mul<E>(d, static_cast<float>(sc0)),
                dm0 = mul<E>(dmin, static_cast<float>(mn0));
    const float ds1 = mul<E>(d, static_cast<float>(sc1)),
                dm1 = mul<E>(dmin, static_cast<float>(mn1));
    const Words4 qs = ld128<16>(p + (kFive ? 48 : 16) + 32 * c + 16 * h);
    Words4 qh{};
    if constexpr (kFive) qh = ld128<16>(p + 16 + 16 * h);
    COIL_QB_UNROLL
    for (int i = 0; i < 4; ++i) COIL_QB_UNROLL
    for (int j = 0; j < 4; ++j) {
      const uint32_t byte = (qs.w[i] >> (8 * j)) & 0xffu;
      uint32_t q0 = byte & 15u, q1 = byte >> 4;
      if constexpr (kFive) {
        const uint32_t hb = (qh.w[i] >> (8 * j)) & 0xffu;  // bit s: sub-block s
        q0 |= ((hb >> (2 * c)) & 1u) << 4;
        q1 |= ((hb >> (2 * c + 1)) & 1u) << 4;
      }
      // the reference's (ds * q) - dm, as ds * q + (-dm): the same rounding
      v[4 * i + j] = mul_add<E>(ds0, code(q0), -dm0);
      v[16 + 4 * i + j] = mul_add<E>(ds1, code(q1), -dm1);
    }
  }
}

}  // namespace coil::qblock
