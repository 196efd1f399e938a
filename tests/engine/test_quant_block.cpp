// The CUDA kernels' block dequantization (kernels/cuda/quant_block.hpp), compiled for the host
// here: every unit of every block type, scattered by group_pos, is the scalar reference
// dequantize_row() bit for bit (the exact form) and to float rounding (the fused form).
// Blocks are both quantized random rows and raw random bytes (every code, scale and min bit
// pattern, with finite f16 scales). This proves the block arithmetic the GPU kernels run even
// where no GPU is present; the kernels around it are in test_backend_ops on a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "coil/op_cases.hpp"
#include "coil/quants.hpp"
#include "quant_block.hpp"

namespace coil {
namespace {

// Dequantizes n blocks through qblock::unit (every unit of every block), scattered by
// group_pos; `hits` counts how often each position was written.
template <DType T, bool E>
std::vector<float> by_units(const std::vector<uint8_t>& blocks, int n, std::vector<int>& hits) {
  using L = qblock::Layout<T>;
  std::vector<float> out(static_cast<size_t>(n) * L::kBS, NAN);
  hits.assign(out.size(), 0);
  for (int b = 0; b < n; ++b)
    for (int u = 0; u < L::kUPB; ++u) {
      float v[4 * L::kNG];
      qblock::unit<T, E>(blocks.data() + static_cast<size_t>(b) * L::kBB, u, v);
      for (int i = 0; i < L::kNG; ++i)
        for (int j = 0; j < 4; ++j) {
          const size_t at = static_cast<size_t>(b) * L::kBS + qblock::group_pos<T>(u, i) + j;
          out[at] = v[4 * i + j];
          ++hits[at];
        }
    }
  return out;
}

template <DType T>
void check_type() {
  SCOPED_TRACE(dtype_name(T));
  constexpr int n = 64;
  const auto blocks = random_blocks(T, n, 20261207u + static_cast<uint32_t>(T));
  std::vector<float> want(static_cast<size_t>(n) * dtype_block_size(T));
  dequantize_row(T, blocks.data(), want.data(), static_cast<int64_t>(want.size()));
  std::vector<int> hits;
  const auto exact = by_units<T, true>(blocks, n, hits);
  for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i], 1) << "position " << i;
  for (size_t i = 0; i < want.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &exact[i], 4);
    std::memcpy(&b, &want[i], 4);
    ASSERT_EQ(a, b) << "value " << i << " (block " << i / dtype_block_size(T) << "): " << exact[i]
                    << " vs the reference's " << want[i];
  }
  const auto fused = by_units<T, false>(blocks, n, hits);
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i)
    worst = std::max(
        worst, std::fabs(double(fused[i]) - want[i]) / std::max(std::fabs(double(want[i])), 1e-6));
  EXPECT_LT(worst, 1e-6);
}

TEST(QuantBlock, UnitsAreTheReferenceDequantizationBitForBit) {
  check_type<DType::Q8_0>();
  check_type<DType::Q4_0>();
  check_type<DType::Q4_1>();
  check_type<DType::Q5_0>();
  check_type<DType::Q5_1>();
  check_type<DType::Q4_K>();
  check_type<DType::Q5_K>();
  check_type<DType::Q6_K>();
}

// The int-to-float trick of qblock::code: every code and zero point the types use.
TEST(QuantBlock, CodesConvertExactly) {
  for (uint32_t q = 0; q < 256; ++q)
    for (int zero : {0, 8, 16, 32, 128}) ASSERT_EQ(qblock::code(q, zero), float(int(q) - zero));
}

}  // namespace
}  // namespace coil
