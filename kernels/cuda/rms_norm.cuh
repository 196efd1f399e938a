// RMS norm over each row: out = x / sqrt(mean(x^2) + eps) * weight (weight optional). x and
// out may be the same (possibly strided, column-sliced) view.
#pragma once
#include <cstdint>

#include "launch.hpp"

namespace coil::cuda {

struct RmsNormArgs {
  const float* x;
  int64_t x_stride;
  const float* weight;  // [H] or nullptr
  float eps;
  float* out;
  int64_t out_stride;
  int64_t T, H;
};

void rms_norm(const Launch& l, const RmsNormArgs& a);

}  // namespace coil::cuda
