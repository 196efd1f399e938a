// Matrix-vector product for one token (decode): out[n] = sum_k x[k] * w[n, k] + bias[n].
// Memory-bound: the weight matrix is streamed once with 16-byte loads, several in flight
// per thread, widened to F32 and accumulated in F32, reduced with warp shuffles; each
// block computes several rows, and small-N matrices split K across the block's warps so
// that every SM has work.
#pragma once
#include <cstdint>

#include "coil/dtype.hpp"
#include "launch.hpp"

namespace coil::cuda {

struct GemvArgs {
  const float* x;     // [K]
  const void* w;      // [N, K] contiguous, dtype
  DType dtype;        // F32, F16 or BF16
  const float* bias;  // [N] or nullptr
  float* out;         // [N]
  int64_t N, K;
};

void gemv(const Launch& l, const GemvArgs& a);

}  // namespace coil::cuda
