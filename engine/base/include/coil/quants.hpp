// GGUF's block quantizations: the byte layout of one block of each type, and the scalar
// reference conversions of a row (bit-exact with gguf-py's `gguf.quants`, checked by
// tests/engine/test_quants.cpp against goldens from tools/make_quant_goldens.py).
//
// Every type stores a row as consecutive blocks; a value is rebuilt from an integer code q
// and the block's f16 scale d (and, for the "_1" and K types, an offset):
//   Q8_0  32 values  x = d * q                      q int8
//   Q4_0  32 values  x = d * (q - 8)                q 4-bit
//   Q4_1  32 values  x = d * q + m                  q 4-bit
//   Q5_0  32 values  x = d * (q - 16)               q 5-bit (4 low bits + 1 high bit)
//   Q5_1  32 values  x = d * q + m                  q 5-bit
//   Q4_K 256 values  8 sub-blocks of 32: x = (d * sc[j]) * q - (dmin * mn[j]), 6-bit sc/mn
//   Q5_K 256 values  as Q4_K with 5-bit q
//   Q6_K 256 values  16 sub-blocks of 16: x = (d * sc[j]) * (q - 32), int8 sc, 6-bit q
// (products are rounded to f32 in the order written: the reference never fuses them).
// Packing of the 4-bit codes: byte l of a 32-value group holds value l in its low nibble
// and value l + 16 (Q4_0..Q5_1) or the next sub-block's value l (K types) in its high one.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>

#include "coil/dtype.hpp"

namespace coil {

static_assert(std::endian::native == std::endian::little, "GGUF blocks are little-endian");

inline constexpr int kQK = 32;    // values per block of Q8_0 .. Q5_1
inline constexpr int kQKK = 256;  // values per super-block of the K types

struct BlockQ8_0 {
  uint16_t d;      // f16 scale
  int8_t qs[kQK];  // codes
};
struct BlockQ4_0 {
  uint16_t d;           // f16 scale
  uint8_t qs[kQK / 2];  // value l: low nibble of qs[l]; value l + 16: its high nibble
};
struct BlockQ4_1 {
  uint16_t d;  // f16 scale
  uint16_t m;  // f16 offset (the block's minimum)
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];  // bit j of this little-endian uint32: bit 4 of value j's code
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
// Scales and mins of the 8 sub-blocks of Q4_K/Q5_K, 6 bits each, in 12 bytes:
//   bytes 0-3:  sc[0..3] in bits 0-5, bits 4-5 of sc[4..7] in bits 6-7
//   bytes 4-7:  mn[0..3] in bits 0-5, bits 4-5 of mn[4..7] in bits 6-7
//   bytes 8-11: bits 0-3 of sc[4..7] in the low nibble, of mn[4..7] in the high nibble
inline constexpr int kKScaleBytes = 12;
struct BlockQ4_K {
  uint16_t d;                    // f16 super-scale of the sub-block scales
  uint16_t dmin;                 // f16 super-scale of the sub-block mins
  uint8_t scales[kKScaleBytes];  // packed 6-bit sc/mn (above)
  uint8_t qs[kQKK / 2];          // 32-byte chunk c: sub-block 2c low nibbles, 2c+1 high
};
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQKK / 8];  // bit j of qh[l]: bit 4 of value l of sub-block j
  uint8_t qs[kQKK / 2];  // low 4 bits, packed as Q4_K
};
// Q6_K: two halves of 128 values; position p of half h (value 128h + p) has its low 4 bits
// in ql[64h + p % 64] (low nibble for p < 64, high nibble above) and its high 2 bits in
// bits 2*(p / 32) .. +1 of qh[32h + p % 32]; the code is q - 32, scaled by sc[value / 16].
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];
  uint8_t qh[kQKK / 4];
  int8_t scales[kQKK / 16];
  uint16_t d;  // f16 super-scale
};

static_assert(sizeof(BlockQ8_0) == dtype_block_bytes(DType::Q8_0));
static_assert(sizeof(BlockQ4_0) == dtype_block_bytes(DType::Q4_0));
static_assert(sizeof(BlockQ4_1) == dtype_block_bytes(DType::Q4_1));
static_assert(sizeof(BlockQ5_0) == dtype_block_bytes(DType::Q5_0));
static_assert(sizeof(BlockQ5_1) == dtype_block_bytes(DType::Q5_1));
static_assert(sizeof(BlockQ4_K) == dtype_block_bytes(DType::Q4_K));
static_assert(sizeof(BlockQ5_K) == dtype_block_bytes(DType::Q5_K));
static_assert(sizeof(BlockQ6_K) == dtype_block_bytes(DType::Q6_K));
static_assert(dtype_block_size(DType::Q8_0) == kQK && dtype_block_size(DType::Q4_K) == kQKK);

// Unpacks the 6-bit scale sc[j] and min mn[j] (j in 0..7) of a Q4_K/Q5_K block.
inline void k_scale_min(const uint8_t* scales, int j, uint8_t* sc, uint8_t* mn) {
  if (j < 4) {
    *sc = scales[j] & 63;
    *mn = scales[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4));
    *mn = static_cast<uint8_t>((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// n values of type t at src (n a whole number of blocks) to f32 at dst; element types too.
// Bit-exact with gguf-py's dequantize. Throws coil::Error when n is not whole blocks.
void dequantize_row(DType t, const void* src, float* dst, int64_t n);

// n f32 values to type t at dst (dtype_row_bytes(t, n) bytes). Q8_0, Q4_0, Q4_1, Q5_0 and
// Q5_1 are bit-exact with gguf-py's quantize (and so with ggml's reference); gguf-py has no
// quantizer for the K types: ours searches each sub-block's scale (and min) for the least
// squared error, then rounds the sub-block scales to 6 (Q6_K: 8) bits. F32/F16/BF16 convert
// with round-to-nearest-even. Non-finite input is the caller's to refuse (coil quantize
// does). Throws coil::Error when n is not whole blocks or t is I32.
void quantize_row(DType t, const float* src, void* dst, int64_t n);

}  // namespace coil
