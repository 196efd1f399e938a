// Device-side helpers shared by the kernels: element widening, reductions, activations.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace coil::cuda {

__device__ __forceinline__ float to_f32(float v) {
  return v;
}
__device__ __forceinline__ float to_f32(__half v) {
  return __half2float(v);
}
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) {
  return __bfloat162float(v);
}

// Eight weights packed in 16 bytes, widened exactly (F16/BF16) into out[0..7].
__device__ __forceinline__ void widen8(const uint4& raw, const __nv_bfloat16*, float* out) {
  const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = __uint_as_float(w[i] << 16);
    out[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
  }
}
__device__ __forceinline__ void widen8(const uint4& raw, const __half*, float* out) {
  const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    __half2 h;
    memcpy(&h, &w[i], 4);
    const float2 f = __half22float2(h);
    out[2 * i] = f.x;
    out[2 * i + 1] = f.y;
  }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum (or max) over a block of BLOCK threads, returned to every thread, in a fixed order
// (bit-reproducible). Safe to call repeatedly: the leading barrier protects the scratch
// from readers of the previous call.
template <int BLOCK, bool MAX = false>
__device__ __forceinline__ float block_reduce(float v) {
  static_assert(BLOCK % 32 == 0 && BLOCK <= 1024, "block of whole warps");
  constexpr int kWarps = BLOCK / 32;
  __shared__ float part[kWarps];
  v = MAX ? warp_max(v) : warp_sum(v);
  if constexpr (kWarps == 1) {
    return v;
  } else {
    __syncthreads();
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
    __syncthreads();
    float r = part[0];
#pragma unroll
    for (int i = 1; i < kWarps; ++i) r = MAX ? fmaxf(r, part[i]) : r + part[i];
    return r;
  }
}

__device__ __forceinline__ float silu(float v) {
  return v / (1.0f + expf(-v));
}
__device__ __forceinline__ float softplus(float v) {
  return v > 20.0f ? v : log1pf(expf(v));
}

}  // namespace coil::cuda
