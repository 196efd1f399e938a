// bf16 / f16 <-> f32 conversions, checked against a reference that works on exact values
// (doubles) rather than bit tricks: every 16-bit pattern, edge cases, and random floats.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {
namespace {

float from_bits(uint32_t b) {
  return std::bit_cast<float>(b);
}

// The exact value of a positive finite f16 pattern; 0x7c00 stands for 2^16, the "next"
// value after the largest finite one, which is how IEEE decides overflow to infinity.
double f16_value(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0) return std::ldexp(m, -24);
  return std::ldexp(1024 + m, e - 25);
}
// Same for bf16: 0x7f80 stands for 2^128.
double bf16_value(uint16_t b) {
  const int e = (b >> 7) & 0xff, m = b & 0x7f;
  if (e == 0) return std::ldexp(m, -133);
  return std::ldexp(128 + m, e - 134);
}

// Round-to-nearest-even of a non-negative finite |x| onto the ascending patterns
// [0, top] whose values `value` gives.
template <class ValueFn>
uint16_t reference_round(double x, uint16_t top, ValueFn value) {
  uint16_t lo = 0, hi = top;  // largest pattern with value <= x, by bisection
  while (lo < hi) {
    const uint16_t mid = static_cast<uint16_t>((lo + hi + 1) / 2);
    if (value(mid) <= x)
      lo = mid;
    else
      hi = static_cast<uint16_t>(mid - 1);
  }
  if (value(lo) == x || lo == top) return lo;
  const double below = x - value(lo), above = value(static_cast<uint16_t>(lo + 1)) - x;
  if (below < above) return lo;
  if (above < below) return static_cast<uint16_t>(lo + 1);
  return (lo & 1) ? static_cast<uint16_t>(lo + 1) : lo;
}

uint16_t reference_f16(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  return sign | reference_round(std::fabs(static_cast<double>(f)), 0x7c00, f16_value);
}
uint16_t reference_bf16(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  return sign | reference_round(std::fabs(static_cast<double>(f)), 0x7f80, bf16_value);
}

bool f16_is_nan(uint16_t h) {
  return (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
}
bool bf16_is_nan(uint16_t b) {
  return (b & 0x7f80) == 0x7f80 && (b & 0x7f);
}

TEST(DType, F16ToF32EveryPattern) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    const bool neg = h & 0x8000;
    const uint16_t mag = h & 0x7fff;
    EXPECT_EQ(std::signbit(f), neg) << std::hex << h;
    if (mag > 0x7c00)
      EXPECT_TRUE(std::isnan(f)) << std::hex << h;
    else if (mag == 0x7c00)
      EXPECT_TRUE(std::isinf(f)) << std::hex << h;
    else
      EXPECT_EQ(std::fabs(static_cast<double>(f)), f16_value(mag)) << std::hex << h;
  }
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
}

TEST(DType, BF16ToF32EveryPattern) {
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = bf16_to_f32(static_cast<uint16_t>(b));
    const uint16_t mag = b & 0x7fff;
    EXPECT_EQ(std::signbit(f), (b & 0x8000) != 0);
    if (mag > 0x7f80)
      EXPECT_TRUE(std::isnan(f)) << std::hex << b;
    else if (mag == 0x7f80)
      EXPECT_TRUE(std::isinf(f)) << std::hex << b;
    else
      EXPECT_EQ(std::fabs(static_cast<double>(f)), bf16_value(mag)) << std::hex << b;
  }
}

TEST(DType, SixteenBitRoundTripsAreExact) {
  for (uint32_t p = 0; p < 0x10000; ++p) {
    const auto h = static_cast<uint16_t>(p);
    if (f16_is_nan(h))
      EXPECT_TRUE(f16_is_nan(f32_to_f16(f16_to_f32(h)))) << std::hex << p;
    else
      EXPECT_EQ(f32_to_f16(f16_to_f32(h)), h) << std::hex << p;
    if (bf16_is_nan(h))
      EXPECT_TRUE(bf16_is_nan(f32_to_bf16(bf16_to_f32(h)))) << std::hex << p;
    else
      EXPECT_EQ(f32_to_bf16(bf16_to_f32(h)), h) << std::hex << p;
  }
}

// Edge cases: ties on both sides of every boundary, subnormal/normal seams, overflow.
std::vector<float> edge_cases() {
  std::vector<float> v = {0.0f,
                          1.0f,
                          65504.0f,
                          65519.996f,
                          65520.0f,
                          65536.0f,
                          1e10f,
                          std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::min(),
                          std::numeric_limits<float>::denorm_min(),
                          std::ldexp(1.0f, -24),
                          std::ldexp(1.0f, -25),
                          std::ldexp(1.5f, -25),
                          std::ldexp(1.0f, -26),
                          std::ldexp(3.0f, -25),
                          std::ldexp(1.0f, -14),
                          std::ldexp(1023.5f, -24),
                          std::ldexp(1023.75f, -24),
                          1.0f + std::ldexp(1.0f, -11),
                          1.0f + std::ldexp(3.0f, -11),
                          1.0f + std::ldexp(1.0f, -8),
                          1.0f + std::ldexp(3.0f, -8),
                          1.0f + std::ldexp(1.0f, -9)};
  for (uint32_t b = 0; b < 0x10000; b += 1) {  // every bf16 and the midpoints around it
    const uint32_t base = b << 16;
    for (uint32_t low : {0x7fffu, 0x8000u, 0x8001u}) v.push_back(from_bits(base | low));
  }
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every f16 midpoint, and just either side
    const double mid =
        (f16_value(static_cast<uint16_t>(h)) + f16_value(static_cast<uint16_t>(h + 1))) / 2;
    const float m = static_cast<float>(mid);
    v.push_back(m);
    v.push_back(std::nextafter(m, 0.0f));
    v.push_back(std::nextafter(m, 1e30f));
  }
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

TEST(DType, F32ToF16RoundsToNearestEven) {
  for (float f : edge_cases()) {
    if (std::isnan(f) || std::isinf(f)) continue;
    ASSERT_EQ(f32_to_f16(f), reference_f16(f)) << std::hexfloat << f;
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000000; ++i) {
    const float f = from_bits(static_cast<uint32_t>(rng()));
    if (std::isnan(f) || std::isinf(f)) continue;
    ASSERT_EQ(f32_to_f16(f), reference_f16(f)) << std::hexfloat << f;
  }
  // Ties go to the even neighbour: 1 + 2^-11 is half way between 1 and 1 + 2^-10.
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // the tie above the largest finite -> inf
  EXPECT_EQ(f32_to_f16(65519.996f), 0x7bff);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and 2^-24
  EXPECT_EQ(f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);  // tie between 2^-24 and 2^-23
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
}

TEST(DType, F32ToBF16RoundsToNearestEven) {
  for (float f : edge_cases()) {
    if (std::isnan(f) || std::isinf(f)) continue;
    ASSERT_EQ(f32_to_bf16(f), reference_bf16(f)) << std::hexfloat << f;
  }
  std::mt19937 rng(2);
  for (int i = 0; i < 2000000; ++i) {
    const float f = from_bits(static_cast<uint32_t>(rng()));
    if (std::isnan(f) || std::isinf(f)) continue;
    ASSERT_EQ(f32_to_bf16(f), reference_bf16(f)) << std::hexfloat << f;
  }
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);        // tie, stays even
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3f82);        // tie, rounds up to even
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // overflows to inf
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(f32_to_bf16(from_bits(0x00018000)), 0x0002);  // subnormal tie, rounds to even
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
}

TEST(DType, InfinityAndNan) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(f32_to_f16(inf), 0x7c00);
  EXPECT_EQ(f32_to_f16(-inf), 0xfc00);
  EXPECT_EQ(f32_to_bf16(inf), 0x7f80);
  EXPECT_EQ(f32_to_bf16(-inf), 0xff80);
  // NaNs stay NaN, including one whose payload lives only in the bits that are dropped.
  for (uint32_t nan : {0x7fc00000u, 0x7f800001u, 0xff800001u, 0x7fffffffu, 0x7f801000u}) {
    EXPECT_TRUE(f16_is_nan(f32_to_f16(from_bits(nan)))) << std::hex << nan;
    EXPECT_TRUE(bf16_is_nan(f32_to_bf16(from_bits(nan)))) << std::hex << nan;
    EXPECT_EQ(f32_to_bf16(from_bits(nan)) & 0x8000, (nan >> 16) & 0x8000);
  }
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7c01)));
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7f81)));
}

TEST(DType, ConvertToF32) {
  const std::vector<uint16_t> h = {0x3c00, 0xc000, 0x0001, 0x7c00};
  std::vector<float> out(4);
  convert_to_f32(DType::F16, h.data(), out.data(), 4);
  EXPECT_EQ(out, (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), INFINITY}));
  const std::vector<uint16_t> b = {0x3f80, 0xc000, 0x4049};
  convert_to_f32(DType::BF16, b.data(), out.data(), 3);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], 3.140625f);
  const std::vector<float> f = {1.5f, -0.25f};
  convert_to_f32(DType::F32, f.data(), out.data(), 2);
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_EQ(out[1], -0.25f);
  const std::vector<int32_t> i = {-7, 123456};
  convert_to_f32(DType::I32, i.data(), out.data(), 2);
  EXPECT_EQ(out[0], -7.0f);
  EXPECT_EQ(out[1], 123456.0f);
}

TEST(DType, NamesAndSizes) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32}) {
    DType parsed = DType::F32;
    ASSERT_TRUE(parse_dtype(dtype_name(t), &parsed)) << dtype_name(t);
    EXPECT_EQ(parsed, t);
  }
  EXPECT_EQ(dtype_size(DType::F32), 4u);
  EXPECT_EQ(dtype_size(DType::F16), 2u);
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
  EXPECT_EQ(dtype_size(DType::I32), 4u);
  DType t = DType::F16;
  for (const char* bad : {"F64", "I8", "U8", "BOOL", "bf16", "f32", "", "F8_E4M3"}) {
    EXPECT_FALSE(parse_dtype(bad, &t)) << bad;
    EXPECT_EQ(t, DType::F16);  // left untouched on failure
  }
}

}  // namespace
}  // namespace coil
