// Matrix-vector product for one token (decode): out[n] = sum_k x[k] * w[n, k] + bias[n],
// optionally with the RMS norm of x folded in (norm_matmul: every block recomputes the
// sum of squares of x, 16 KiB from L2 for the 7B, and the dot runs over x * norm_w, scaled
// by the inverse RMS at the end) and accumulated into out (matmul_add: out_proj into the
// residual), which saves the separate norm and add kernels of the decode step.
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
  DType dtype;        // F32, F16, BF16 or a block type (Q8_0 .. Q6_K)
  const float* bias;  // [N] or nullptr
  float* out;         // [N]
  int64_t N, K;
  const float* norm_w = nullptr;  // [K]: out = (x / rms(x) * norm_w) . w; nullptr: plain x
  float norm_eps = 0.0f;
  bool accumulate = false;  // out[n] += ... instead of out[n] = ...
};

void gemv(const Launch& l, const GemvArgs& a);
// The block-type weights' GEMV (gemv_blocks.cu; gemv() calls it): lanes take whole units of
// quant_block.hpp (16 or 32 values) dequantized in registers. w must start on 16 bytes.
void gemv_blocks(const Launch& l, const GemvArgs& a);

}  // namespace coil::cuda
