#include "coil/dtype.hpp"

#include <cmath>
#include <cstdint>

#include "coil/error.hpp"
#include "coil/quants.hpp"

namespace coil {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "F32";
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::I32:
      return "I32";
    case DType::Q8_0:
      return "Q8_0";
    case DType::Q4_0:
      return "Q4_0";
    case DType::Q4_1:
      return "Q4_1";
    case DType::Q5_0:
      return "Q5_0";
    case DType::Q5_1:
      return "Q5_1";
    case DType::Q4_K:
      return "Q4_K";
    case DType::Q5_K:
      return "Q5_K";
    case DType::Q6_K:
      return "Q6_K";
  }
  return "?";
}

void throw_no_element_size(DType t) {
  throw Error(std::string("internal: ") + dtype_name(t) +
              " is a block type: it has no size per value (use dtype_row_bytes)");
}

size_t dtype_row_bytes(DType t, int64_t n) {
  if (n < 0) throw Error("internal: a row of " + std::to_string(n) + " values");
  const int64_t bs = dtype_block_size(t);
  if (n % bs != 0)
    throw Error("a row of " + std::to_string(n) + " values of " + dtype_name(t) +
                " is not a whole number of its " + std::to_string(bs) + "-value blocks");
  const uint64_t blocks = static_cast<uint64_t>(n / bs), bb = dtype_block_bytes(t);
  if (blocks > SIZE_MAX / bb)
    throw Error("a row of " + std::to_string(n) + " values of " + dtype_name(t) + " is too large");
  return static_cast<size_t>(blocks * bb);
}

size_t dtype_tensor_bytes(DType t, int64_t rows, int64_t cols) {
  if (rows < 0) throw Error("internal: a tensor of " + std::to_string(rows) + " rows");
  const size_t row = dtype_row_bytes(t, cols);
  if (row != 0 && static_cast<uint64_t>(rows) > SIZE_MAX / row)
    throw Error("a tensor of " + std::to_string(rows) + " x " + std::to_string(cols) + " " +
                dtype_name(t) + " values is too large");
  return static_cast<size_t>(rows) * row;
}

bool parse_dtype(std::string_view s, DType* out) {
  if (s == "F32")
    *out = DType::F32;
  else if (s == "F16")
    *out = DType::F16;
  else if (s == "BF16")
    *out = DType::BF16;
  else if (s == "I32")
    *out = DType::I32;
  else
    return false;
  return true;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u)  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (absx < 0x38800000u) {  // subnormal or zero in f16
    if (absx < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;  // value / 2^-24 = m >> shift, shift in [14, 24]
    uint32_t half = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t r = absx - 0x38000000u;  // rebias exponent 127 -> 15
  r += 0xfffu + ((r >> 13) & 1u);   // round to nearest even
  return static_cast<uint16_t>(sign | (r >> 13));
}

void convert_to_f32(DType t, const void* src, float* dst, size_t n) {
  if (n == 0) return;  // an empty tensor may have no storage at all (null pointers)
  if (dtype_is_quantized(t)) return dequantize_row(t, src, dst, static_cast<int64_t>(n));
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      break;
    case DType::BF16: {
      auto* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]);
      break;
    }
    case DType::F16: {
      auto* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(s[i]);
      break;
    }
    case DType::I32: {
      auto* s = static_cast<const int32_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
      break;
    }
    default:  // block types: above
      break;
  }
}

}  // namespace coil
