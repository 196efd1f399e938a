// The end of a GEMV block (gemv.cu, gemv_blocks.cu): the per-lane partial sums of each row
// reduced over the warp and over the K-split warps of a row group, then written (with the
// RMS scale of norm_matmul, the bias, and the residual of matmul_add).
#pragma once
#include <cstdint>

#include "device_common.cuh"
#include "gemv.cuh"

namespace coil::cuda {

// acc[0 .. RPW): a lane's partial dot products of rows row0 + r; acc[RPW] (NORM): its partial
// sum of squares of x. A block has WARPS warps, a row group `ksplit` of them (slice 0 .. ksplit
// - 1 of it in this warp). Called by every thread of the block (it may synchronise).
template <int WARPS, int RPW, bool NORM>
__device__ __forceinline__ void gemv_finish(float (&acc)[RPW + (NORM ? 1 : 0)], const GemvArgs& a,
                                            int64_t row0, int warp, int lane, int slice,
                                            int ksplit) {
  constexpr int NACC = RPW + (NORM ? 1 : 0);
#pragma unroll
  for (int r = 0; r < NACC; ++r) acc[r] = warp_sum(acc[r]);
  if (ksplit > 1) {
    __shared__ float part[WARPS][NACC];
    if (lane == 0)
#pragma unroll
      for (int r = 0; r < NACC; ++r) part[warp][r] = acc[r];
    __syncthreads();
    if (slice == 0)
#pragma unroll
      for (int r = 0; r < NACC; ++r) {
        float s = part[warp][r];
        for (int j = 1; j < ksplit; ++j) s += part[warp + j][r];
        acc[r] = s;
      }
  }
  if (slice == 0 && lane < RPW) {
    // lane r writes row r; select acc[lane] without a dynamic register index
    float v = acc[0];
#pragma unroll
    for (int r = 1; r < RPW; ++r)
      if (lane == r) v = acc[r];
    if constexpr (NORM) v *= 1.0f / sqrtf(acc[NACC - 1] / static_cast<float>(a.K) + a.norm_eps);
    const int64_t row = row0 + lane;
    if (row < a.N) {
      if (a.bias) v += a.bias[row];
      a.out[row] = a.accumulate ? a.out[row] + v : v;
    }
  }
}

}  // namespace coil::cuda
