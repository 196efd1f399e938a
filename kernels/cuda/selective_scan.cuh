// The selective scan (Mamba's SSM recurrence) over a chunk, state carried in place:
//   delta = softplus(dt[t, d] + dt_bias[d])
//   h[d, n] = exp(delta * A[d, n]) * h[d, n] + delta * x[t, d] * B[t, n]
//   out[t, d] = (sum_n h[d, n] * C[t, n] + Dskip[d] * x[t, d]) * silu(z[t, d])
// Parallel over channels and states, sequential over time inside a block: each channel's
// states are spread over a group of lanes (16 lanes for N = 16) holding them in registers,
// so a 128-thread block covers 8 channels and d_inner = 8192 gives 1024 blocks at batch 1.
// Inputs are staged through shared memory a few dozen time steps at a time.
#pragma once
#include <cstdint>

#include "launch.hpp"

namespace coil::cuda {

struct ScanKernelArgs {
  const float* x;
  int64_t x_stride;
  const float* dt;
  int64_t dt_stride;
  const float* dt_bias;  // [D]
  const float* A;        // [D, N]
  const float* B;
  int64_t B_stride;
  const float* C;
  int64_t C_stride;
  const float* Dskip;  // [D]
  const float* z;
  int64_t z_stride;
  float* state;  // [D, N]
  float* out;
  int64_t out_stride;
  int64_t T, D, N;
};

constexpr int kMaxScanState = 256;

// N in [1, kMaxScanState].
void selective_scan(const Launch& l, const ScanKernelArgs& a);

}  // namespace coil::cuda
