// The fused decode form of the selective scan (proj_scan): FalconMamba's weightless RMS
// norm of dt_low, B and C, the dt_proj product and the scan in one kernel, so the decode
// step needs no separate norm, dt_proj GEMV and scan launches:
//   dtn, Bn, Cn = norm(dt_low[t]), norm(B[t]), norm(C[t])   (unchanged without norm)
//   delta = softplus(dtn . dt_proj[d, :] + dt_bias[d])
//   h[d, n] = exp(delta * A[d, n]) * h[d, n] + delta * x[t, d] * Bn[n]
//   out[t, d] = (sum_n h[d, n] * Cn[n] + Dskip[d] * x[t, d]) * silu(z[t, d])
// Layout as the plain scan: a group of L lanes per channel holds its states in registers and
// also splits the dt_proj row (R elements, read with 16-byte loads) between its lanes; every
// block recomputes the three norms of the time step into shared memory (R + 2N floats).
// Sequential over t inside the block, state carried in registers.
#pragma once
#include <cstdint>

#include "coil/dtype.hpp"
#include "launch.hpp"
#include "selective_scan.cuh"

namespace coil::cuda {

struct ProjScanKernelArgs {
  ScanKernelArgs s;     // the scan's operands; s.dt and s.dt_stride unused
  const float* dt_low;  // [T, R]
  int64_t dt_low_stride;
  const void* dt_proj;  // [D, R] contiguous, dt_proj_dtype
  DType dt_proj_dtype;  // F32, F16, BF16 or a block type (then 16-byte aligned)
  int64_t R;
  bool norm = false;  // weightless RMS norm of dt_low, B and C
  float eps = 0.0f;
};

// N in [1, kMaxScanState] (selective_scan.cuh), R >= 1 with R + 2N floats of shared memory.
void proj_scan(const Launch& l, const ProjScanKernelArgs& a);

}  // namespace coil::cuda
