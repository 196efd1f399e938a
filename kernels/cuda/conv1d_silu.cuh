// Causal depthwise conv over a chunk with carried state, + bias, SiLU:
// out[t, d] = silu(bias[d] + sum_k w[d, k] * in[t + k, d]) where in = [state; x] (the K-1
// previous inputs, oldest first, then the chunk); the state becomes the last K-1 inputs.
// Threads own one channel each over a tile of tokens, so a prefill chunk is parallel over
// tokens as well as channels; only the first tile's block reads and rewrites the state.
#pragma once
#include <cstdint>

#include "launch.hpp"

namespace coil::cuda {

struct ConvArgs {
  const float* x;  // [T, D], rows x_stride apart
  int64_t x_stride;
  const float* w;     // [D, K]
  const float* bias;  // [D] or nullptr
  float* state;       // [K-1, D]
  float* out;         // [T, D], rows out_stride apart
  int64_t out_stride;
  int64_t T, D;
};

constexpr int kMaxConvKernel = 8;

// K in [1, kMaxConvKernel].
void conv1d_silu(const Launch& l, const ConvArgs& a, int K);

}  // namespace coil::cuda
