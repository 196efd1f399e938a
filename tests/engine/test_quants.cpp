// GGUF block types: sizes, the checked row-size helpers, and the scalar reference
// (de)quantizers bit-exact against gguf-py (goldens from tools/make_quant_goldens.py in
// tests/data/quants), plus the error of our own K-type quantizers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "coil/backend.hpp"
#include "coil/error.hpp"
#include "coil/quants.hpp"
#include "paths.hpp"

namespace coil {
void PrintTo(DType t, std::ostream* os) {
  *os << dtype_name(t);
}
namespace {

std::vector<uint8_t> read_bytes(const std::string& name) {
  const auto path = test::test_data_dir() / "quants" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "missing golden " << path << " (tools/make_quant_goldens.py writes it)";
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<float> as_floats(const std::vector<uint8_t>& b) {
  std::vector<float> f(b.size() / 4);
  std::memcpy(f.data(), b.data(), f.size() * 4);
  return f;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

class QuantType : public ::testing::TestWithParam<DType> {};

TEST_P(QuantType, DequantizeIsBitExactWithGgufPy) {
  const DType t = GetParam();
  const std::vector<uint8_t> blocks = read_bytes(std::string(dtype_name(t)) + ".blocks");
  const std::vector<float> want =
      as_floats(read_bytes(std::string(dtype_name(t)) + ".dequant.f32"));
  ASSERT_FALSE(blocks.empty());
  ASSERT_EQ(blocks.size() % dtype_block_bytes(t), 0u);
  const int64_t n =
      static_cast<int64_t>(blocks.size() / dtype_block_bytes(t)) * dtype_block_size(t);
  ASSERT_EQ(want.size(), static_cast<size_t>(n));
  std::vector<float> got(n);
  dequantize_row(t, blocks.data(), got.data(), n);
  int mismatches = 0;
  for (int64_t i = 0; i < n; ++i)
    if (bits(got[i]) != bits(want[i]) && ++mismatches <= 5)
      ADD_FAILURE() << dtype_name(t) << " value " << i << " (block " << i / dtype_block_size(t)
                    << "): got " << got[i] << ", gguf-py " << want[i];
  EXPECT_EQ(mismatches, 0);
  // convert_to_f32 is the same conversion
  std::vector<float> conv(n);
  convert_to_f32(t, blocks.data(), conv.data(), n);
  EXPECT_EQ(std::memcmp(conv.data(), got.data(), n * 4), 0);
}

TEST_P(QuantType, RowSizes) {
  const DType t = GetParam();
  const int64_t bs = dtype_block_size(t);
  EXPECT_TRUE(dtype_is_quantized(t));
  EXPECT_EQ(dtype_row_bytes(t, 0), 0u);
  EXPECT_EQ(dtype_row_bytes(t, bs), dtype_block_bytes(t));
  EXPECT_EQ(dtype_row_bytes(t, 7 * bs), 7 * dtype_block_bytes(t));
  EXPECT_EQ(dtype_tensor_bytes(t, 3, 2 * bs), 6 * dtype_block_bytes(t));
  EXPECT_TRUE(dtype_row_fits(t, 4 * bs));
  EXPECT_FALSE(dtype_row_fits(t, bs + 1));
  try {
    dtype_row_bytes(t, bs + 16);
    ADD_FAILURE() << "a partial block was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dtype_name(t)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(bs + 16)), std::string::npos) << e.what();
  }
  EXPECT_THROW(dtype_row_bytes(t, -bs), Error);
  EXPECT_THROW(dtype_tensor_bytes(t, INT64_MAX / 2, INT64_MAX / bs * bs), Error);  // overflow
  EXPECT_THROW(dtype_size(t), Error);  // no per-value size
  std::vector<float> x(bs + 1, 0.f);
  std::vector<uint8_t> out(dtype_block_bytes(t) * 2);
  EXPECT_THROW(quantize_row(t, x.data(), out.data(), bs + 1), Error);
  EXPECT_THROW(dequantize_row(t, out.data(), x.data(), bs - 1), Error);
  DType parsed;
  EXPECT_FALSE(parse_dtype(dtype_name(t), &parsed)) << "safetensors has no block types";
}

// Error of quantize -> dequantize relative to the values' RMS, on normal-distributed rows.
double roundtrip_rel_rms(DType t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  const int64_t n = 64 * 256;
  std::vector<float> x(n), y(n);
  for (auto& v : x) v = nd(rng);
  std::vector<uint8_t> q(dtype_row_bytes(t, n));
  quantize_row(t, x.data(), q.data(), n);
  dequantize_row(t, q.data(), y.data(), n);
  double se = 0, ss = 0;
  for (int64_t i = 0; i < n; ++i) {
    se += double(y[i] - x[i]) * (y[i] - x[i]);
    ss += double(x[i]) * x[i];
  }
  return std::sqrt(se / ss);
}

TEST_P(QuantType, RoundTripErrorIsThatOfItsBits) {
  const DType t = GetParam();
  const double err = roundtrip_rel_rms(t, 7);
  // Uniform rounding over a range of ~6 sigma with 2^b levels: about 6/2^b/sqrt(12) sigma;
  // the bounds below hold with margin for every type (measured values in the comments).
  double bound = 0;
  switch (t) {
    case DType::Q8_0:
      bound = 0.007;
      break;  // 0.0053
    case DType::Q4_0:
      bound = 0.10;
      break;  // 0.086
    case DType::Q4_1:
      bound = 0.09;
      break;  // 0.078
    case DType::Q5_0:
      bound = 0.05;
      break;  // 0.042
    case DType::Q5_1:
      bound = 0.045;
      break;  // 0.038
    case DType::Q4_K:
      bound = 0.08;
      break;  // 0.071 (our quantizer)
    case DType::Q5_K:
      bound = 0.04;
      break;  // 0.036
    case DType::Q6_K:
      bound = 0.02;
      break;  // 0.017
    default:
      break;
  }
  EXPECT_LT(err, bound) << dtype_name(t);
  EXPECT_GT(err, 0.0) << dtype_name(t);
}

TEST_P(QuantType, ZerosConstantsAndExtremesStayFinite) {
  const DType t = GetParam();
  const int64_t n = 256;
  std::vector<uint8_t> q(dtype_row_bytes(t, n));
  std::vector<float> y(n);
  for (float c : {0.0f, 1.0f, -2.5f, 1e-30f, 60000.0f, -60000.0f}) {
    std::vector<float> x(n, c);
    quantize_row(t, x.data(), q.data(), n);
    dequantize_row(t, q.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(std::isfinite(y[i])) << dtype_name(t) << " constant " << c;
      EXPECT_NEAR(y[i], c, std::fabs(c) * 0.07 + 1e-6) << dtype_name(t) << " constant " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, QuantType, ::testing::ValuesIn(kQuantDTypes),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

class GgufPyQuantizer : public ::testing::TestWithParam<DType> {};

TEST_P(GgufPyQuantizer, QuantizeIsBitExactWithGgufPy) {
  const DType t = GetParam();
  const std::vector<float> x = as_floats(read_bytes(std::string(dtype_name(t)) + ".input.f32"));
  const std::vector<uint8_t> want = read_bytes(std::string(dtype_name(t)) + ".quant");
  ASSERT_FALSE(x.empty());
  const int64_t n = static_cast<int64_t>(x.size());
  ASSERT_EQ(want.size(), dtype_row_bytes(t, n));
  std::vector<uint8_t> got(want.size());
  quantize_row(t, x.data(), got.data(), n);
  const size_t bb = dtype_block_bytes(t);
  int mismatches = 0;
  for (size_t b = 0; b < want.size() / bb; ++b)
    if (std::memcmp(got.data() + b * bb, want.data() + b * bb, bb) != 0 && ++mismatches <= 5)
      ADD_FAILURE() << dtype_name(t) << " block " << b << " differs from gguf-py's (input "
                    << x[b * dtype_block_size(t)] << ", ...)";
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Legacy, GgufPyQuantizer,
                         ::testing::Values(DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                           DType::Q5_1),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(QuantTypes, SizesAreGgufs) {
  // GGUF's block sizes and bytes per block (gguf-py GGML_QUANT_SIZES).
  struct {
    DType t;
    int64_t block;
    size_t bytes;
  } const table[] = {{DType::F32, 1, 4},      {DType::F16, 1, 2},     {DType::BF16, 1, 2},
                     {DType::Q8_0, 32, 34},   {DType::Q4_0, 32, 18},  {DType::Q4_1, 32, 20},
                     {DType::Q5_0, 32, 22},   {DType::Q5_1, 32, 24},  {DType::Q4_K, 256, 144},
                     {DType::Q5_K, 256, 176}, {DType::Q6_K, 256, 210}};
  for (const auto& r : table) {
    EXPECT_EQ(dtype_block_size(r.t), r.block) << dtype_name(r.t);
    EXPECT_EQ(dtype_block_bytes(r.t), r.bytes) << dtype_name(r.t);
  }
  EXPECT_EQ(dtype_row_bytes(DType::BF16, 3), 6u);
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
}

TEST(QuantTypes, BlockTensorViewsAreWholeBlocks) {
  Tensor t;
  t.dtype = DType::Q4_K;
  t.rows = 3;
  t.cols = 512;
  t.stride = 512;
  EXPECT_EQ(t.row_bytes(), 288u);
  EXPECT_EQ(t.span_bytes(), 3 * 288u);
  EXPECT_EQ(t.rows_view(1, 2).offset, 288u);
  EXPECT_EQ(t.cols_view(256, 256).offset, 144u);
  EXPECT_THROW(t.cols_view(100, 256), Error);
}

TEST(QuantTypes, KQuantsBeatTheirLegacyCousins) {
  // Same bits per value or fewer, finer scales: the K types must not be worse.
  EXPECT_LT(roundtrip_rel_rms(DType::Q4_K, 11), roundtrip_rel_rms(DType::Q4_1, 11));
  EXPECT_LT(roundtrip_rel_rms(DType::Q5_K, 11), roundtrip_rel_rms(DType::Q5_1, 11));
  EXPECT_LT(roundtrip_rel_rms(DType::Q6_K, 11), roundtrip_rel_rms(DType::Q5_K, 11));
}

}  // namespace
}  // namespace coil
