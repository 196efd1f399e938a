#include "random_blocks.hpp"

#include <cstring>
#include <random>

#include "coil/quants.hpp"

namespace coil::test {

std::vector<uint8_t> random_blocks(DType t, int64_t n, uint32_t seed) {
  std::mt19937 g(seed);
  const int64_t bs = dtype_block_size(t);
  const size_t bb = dtype_block_bytes(t);
  std::vector<uint8_t> out(static_cast<size_t>(n) * bb);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(bs));
  for (int64_t b = 0; b < n; ++b) {
    uint8_t* p = out.data() + static_cast<size_t>(b) * bb;
    if (b % 2 == 0) {
      for (float& v : x) v = u(g) * (1.0f + float(b % 5));
      quantize_row(t, x.data(), p, bs);
      continue;
    }
    for (size_t i = 0; i < bb; ++i) p[i] = static_cast<uint8_t>(g());
    auto put_f16 = [&](size_t at) {
      const uint16_t h = f32_to_f16(u(g) * 0.01f);
      std::memcpy(p + at, &h, 2);
    };
    switch (t) {
      case DType::Q4_1:
      case DType::Q5_1:
        put_f16(2);  // the min, then the scale
        [[fallthrough]];
      case DType::Q8_0:
      case DType::Q4_0:
      case DType::Q5_0:
        put_f16(0);
        break;
      case DType::Q4_K:
      case DType::Q5_K:
        put_f16(0);  // d and dmin
        put_f16(2);
        break;
      case DType::Q6_K:
        put_f16(208);
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace coil::test
