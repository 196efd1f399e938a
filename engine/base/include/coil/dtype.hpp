// Element types of stored weights and device tensors, and scalar conversions.
//
// Two kinds of types: element types (F32, F16, BF16, I32: one value per dtype_size bytes)
// and block types (GGUF's quantizations Q8_0 ... Q6_K: a block of dtype_block_size values
// stored in dtype_block_bytes bytes; their layouts are in coil/quants.hpp). A row of a
// block type holds a whole number of blocks: size rows with dtype_row_bytes, never with
// dtype_size, which refuses block types.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace coil {

// The numeric values are not stored anywhere (files use names or GGUF's own ids).
enum class DType : uint8_t { F32, F16, BF16, I32, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K };

// The block types, in the order of the enum.
inline constexpr DType kQuantDTypes[] = {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                         DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// Values per block: 1 for element types, 32 for Q8_0..Q5_1, 256 for the K types.
constexpr int64_t dtype_block_size(DType t) {
  switch (t) {
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
      return 32;
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
      return 256;
    default:
      return 1;
  }
}

// Bytes per block (for an element type: per value).
constexpr size_t dtype_block_bytes(DType t) {
  switch (t) {
    case DType::F32:
      return 4;
    case DType::F16:
      return 2;
    case DType::BF16:
      return 2;
    case DType::I32:
      return 4;
    case DType::Q8_0:
      return 34;  // f16 d, int8 q[32]
    case DType::Q4_0:
      return 18;  // f16 d, 4-bit q[32]
    case DType::Q4_1:
      return 20;  // f16 d, f16 m, 4-bit q[32]
    case DType::Q5_0:
      return 22;  // f16 d, high bits[4], 4-bit q[32]
    case DType::Q5_1:
      return 24;  // f16 d, f16 m, high bits[4], 4-bit q[32]
    case DType::Q4_K:
      return 144;  // f16 d, f16 dmin, 6-bit scales/mins[12], 4-bit q[256]
    case DType::Q5_K:
      return 176;  // as Q4_K + high bits[32]
    case DType::Q6_K:
      return 210;  // 4-bit low[128], 2-bit high[64], int8 scales[16], f16 d
  }
  return 0;
}

constexpr bool dtype_is_quantized(DType t) {
  return dtype_block_size(t) > 1;
}

// The alignment the engine reads stored data of `t` with, in place (a value, or a block
// struct of coil/quants.hpp, whose f16 fields need 2): where a tensor starts in a mapped
// file, it must be a multiple of this (the loaders copy or refuse what is not).
constexpr size_t dtype_alignment(DType t) {
  return dtype_is_quantized(t) ? 2 : dtype_block_bytes(t);
}

[[noreturn]] void throw_no_element_size(DType t);
// Bytes of one value of an element type. A block type has no size per value: this throws
// coil::Error for one (a programming error: use dtype_row_bytes).
constexpr size_t dtype_size(DType t) {
  if (dtype_is_quantized(t)) throw_no_element_size(t);
  return dtype_block_bytes(t);
}

// Bytes of `n` consecutive values (one row). Throws coil::Error when n is negative, not a
// whole number of blocks of a block type ("a row of 48 values of Q4_K is not a whole number
// of its 256-value blocks") or the size overflows.
size_t dtype_row_bytes(DType t, int64_t n);
// Whether n values of t are a whole number of blocks (n >= 0).
constexpr bool dtype_row_fits(DType t, int64_t n) {
  return n >= 0 && n % dtype_block_size(t) == 0;
}
// Bytes of a [rows, cols] tensor, checked like dtype_row_bytes (and rows >= 0, no overflow).
size_t dtype_tensor_bytes(DType t, int64_t rows, int64_t cols);

// "F32", "F16", "BF16", "I32" (safetensors spelling), "Q8_0", ..., "Q6_K" (GGUF spelling).
const char* dtype_name(DType t);
// Parses a safetensors dtype string; returns false for anything else (e.g. "F64", "I8",
// and the block types, which safetensors cannot hold).
bool parse_dtype(std::string_view s, DType* out);

inline float bf16_to_f32(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// Round to nearest even (as torch does); NaN stays NaN.
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// Converts n values of type `src_type` at `src` to float32 at `dst`; a block type is
// dequantized (n a whole number of blocks, else coil::Error).
void convert_to_f32(DType src_type, const void* src, float* dst, size_t n);

}  // namespace coil
