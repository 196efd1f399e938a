// The decode GEMV (gemv.cuh) for block-type weights: out[n] = sum_k x[k] * w[n, k] + bias[n]
// with w in Q8_0 .. Q6_K, also as norm_matmul and matmul_add. The layout of gemv.cu: 256-
// thread blocks, a row group of `ksplit` warps owns RPW rows; here a lane takes whole units of
// quant_block.hpp (16 values of a 32-value block type, 32 of a K type: one pass over the
// unit's code bytes, its scales decoded once), dequantized in registers and dotted with x
// (float4 loads when x and norm_w are 16-byte aligned). Consecutive lanes take consecutive
// units, so a warp streams consecutive blocks (Q4_K: 4 blocks = 576 bytes per step).
#include <cstdint>

#include "device_common.cuh"
#include "gemv.cuh"
#include "gemv_reduce.cuh"
#include "launch.cuh"
#include "quant_block.hpp"

namespace coil::cuda {
namespace {

constexpr int kWarps = 8;  // 256 threads per block

// x[k .. k+3] into out[0..3], times norm_w[k .. k+3] under NORM (after adding their squares
// to ss). vec: x and norm_w 16-byte aligned (k is a multiple of 4).
template <bool NORM>
__device__ __forceinline__ void load_x4(const float* __restrict__ x, const float* __restrict__ nw,
                                        int64_t k, bool vec, float* out, float& ss) {
  float4 v = vec ? __ldg(reinterpret_cast<const float4*>(x + k))
                 : make_float4(x[k], x[k + 1], x[k + 2], x[k + 3]);
  if constexpr (NORM) {
    ss = fmaf(v.x, v.x, fmaf(v.y, v.y, fmaf(v.z, v.z, fmaf(v.w, v.w, ss))));
    const float4 g = vec ? __ldg(reinterpret_cast<const float4*>(nw + k))
                         : make_float4(nw[k], nw[k + 1], nw[k + 2], nw[k + 3]);
    v.x *= g.x;
    v.y *= g.y;
    v.z *= g.z;
    v.w *= g.w;
  }
  out[0] = v.x;
  out[1] = v.y;
  out[2] = v.z;
  out[3] = v.w;
}

template <DType T, int RPW, bool NORM>
__global__ void __launch_bounds__(kWarps * 32)
    gemv_blocks_kernel(GemvArgs a, int ksplit, bool vec) {
  using L = qblock::Layout<T>;
  constexpr int NV = 4 * L::kNG;  // values per unit
  constexpr int NACC = RPW + (NORM ? 1 : 0);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int groups = kWarps / ksplit;
  const int group = warp / ksplit, slice = warp % ksplit;
  const int64_t row0 = (int64_t(blockIdx.x) * groups + group) * RPW;
  const int64_t nb = a.K / L::kBS, units = nb * L::kUPB;
  const size_t row_bytes = size_t(nb) * L::kBB;
  const uint8_t* __restrict__ w = static_cast<const uint8_t*>(a.w);
  // dead rows (past N) read row 0 and are dropped at the end
  const uint8_t* wrow[RPW];
#pragma unroll
  for (int r = 0; r < RPW; ++r) wrow[r] = w + size_t(row0 + r < a.N ? row0 + r : 0) * row_bytes;

  float acc[NACC] = {};
  float& ss = acc[NACC - 1];  // NORM only
  const int64_t first = int64_t(slice) * 32 + lane, step = int64_t(ksplit) * 32;
  // weights are never written by a kernel: warm L2 with the first block while the previous
  // kernel drains (programmatic dependent launch)
  if (first < units)
#pragma unroll
    for (int r = 0; r < RPW; ++r)
      asm volatile("prefetch.global.L2 [%0];" ::"l"(wrow[r] + (first / L::kUPB) * L::kBB));
  dependency_wait();

  // two units in flight per lane for the small 32-value units (a K type's unit already
  // reads 32 bytes; unrolling it would spill)
  constexpr int kUnroll = L::kBS == 32 ? 2 : 1;
#pragma unroll kUnroll
  for (int64_t u = first; u < units; u += step) {
    const int64_t b = u / L::kUPB;
    const int part = static_cast<int>(u - b * L::kUPB);
    const int64_t k0 = b * L::kBS;
    float xv[NV];
#pragma unroll
    for (int i = 0; i < L::kNG; ++i)
      load_x4<NORM>(a.x, a.norm_w, k0 + qblock::group_pos<T>(part, i), vec, xv + 4 * i, ss);
#pragma unroll
    for (int r = 0; r < RPW; ++r) {
      float wv[NV];
      qblock::unit<T, false>(wrow[r] + b * L::kBB, part, wv);
#pragma unroll
      for (int e = 0; e < NV; ++e) acc[r] = fmaf(xv[e], wv[e], acc[r]);
    }
  }
  gemv_finish<kWarps, RPW, NORM>(acc, a, row0, warp, lane, slice, ksplit);
}

template <DType T, int RPW, bool NORM>
void launch_rpw(const Launch& l, const GemvArgs& a, int ksplit, bool vec) {
  const int64_t rows_per_block = int64_t(kWarps / ksplit) * RPW;
  const dim3 grid(static_cast<unsigned>((a.N + rows_per_block - 1) / rows_per_block));
  launch_kernel(l, "gemv", gemv_blocks_kernel<T, RPW, NORM>, grid, kWarps * 32, 0, a, ksplit, vec);
}

template <DType T, int RPW>
void launch_rpw(const Launch& l, const GemvArgs& a, int ksplit, bool vec) {
  if (a.norm_w) return launch_rpw<T, RPW, true>(l, a, ksplit, vec);
  launch_rpw<T, RPW, false>(l, a, ksplit, vec);
}

template <DType T>
void launch_typed(const Launch& l, const GemvArgs& a) {
  const bool vec =
      reinterpret_cast<uintptr_t>(a.x) % 16 == 0 && reinterpret_cast<uintptr_t>(a.norm_w) % 16 == 0;
  // as gemv.cu: the most rows per block that still gives every SM two blocks; few rows
  // (x_proj: 288) split the row's units across warps instead
  const int64_t target = 2 * int64_t(l.sm_count);
  auto blocks = [&](int rows_per_block) { return (a.N + rows_per_block - 1) / rows_per_block; };
  if (blocks(kWarps * 2) >= target) return launch_rpw<T, 2>(l, a, 1, vec);
  for (int ksplit = 1; ksplit < kWarps; ksplit *= 2)
    if (blocks(kWarps / ksplit) >= target) return launch_rpw<T, 1>(l, a, ksplit, vec);
  launch_rpw<T, 1>(l, a, kWarps, vec);
}

}  // namespace

void gemv_blocks(const Launch& l, const GemvArgs& a) {
  if (a.N <= 0) return;
  if (!block_weights_aligned(a.w))
    throw_error(cudaErrorMisalignedAddress, "gemv: block-type weights must start on 16 bytes");
  if (!with_block_type(a.dtype, [&](auto t) { launch_typed<decltype(t)::value>(l, a); }))
    throw_error(cudaErrorInvalidValue, "gemv: not a block type");
}

}  // namespace coil::cuda
