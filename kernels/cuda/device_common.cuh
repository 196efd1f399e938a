// Device-side helpers shared by the kernels: element widening, reductions, activations.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "coil/dtype.hpp"

namespace coil::cuda {

// Calls f(W{}) with W the device type of a weight dtype (float, __half, __nv_bfloat16), so a
// launcher instantiates its kernel per dtype; false (f not called) for another dtype.
template <typename F>
bool with_weight_type(DType d, F&& f) {
  switch (d) {
    case DType::F32:
      f(float{});
      return true;
    case DType::F16:
      f(__half{});
      return true;
    case DType::BF16:
      f(__nv_bfloat16{});
      return true;
    default:
      return false;
  }
}

// Calls f(std::integral_constant<DType, T>{}) for a block type T (Q8_0 .. Q6_K), so a
// launcher instantiates its kernel per block type; false (f not called) for another dtype.
template <typename F>
bool with_block_type(DType d, F&& f) {
  switch (d) {
    case DType::Q8_0:
      f(std::integral_constant<DType, DType::Q8_0>{});
      return true;
    case DType::Q4_0:
      f(std::integral_constant<DType, DType::Q4_0>{});
      return true;
    case DType::Q4_1:
      f(std::integral_constant<DType, DType::Q4_1>{});
      return true;
    case DType::Q5_0:
      f(std::integral_constant<DType, DType::Q5_0>{});
      return true;
    case DType::Q5_1:
      f(std::integral_constant<DType, DType::Q5_1>{});
      return true;
    case DType::Q4_K:
      f(std::integral_constant<DType, DType::Q4_K>{});
      return true;
    case DType::Q5_K:
      f(std::integral_constant<DType, DType::Q5_K>{});
      return true;
    case DType::Q6_K:
      f(std::integral_constant<DType, DType::Q6_K>{});
      return true;
    default:
      return false;
  }
}

// Block-type weights are read with the loads of quant_block.hpp, which rely on the tensor
// starting on 16 bytes (cudaMalloc gives 256; the backend never offsets a weight otherwise).
inline bool block_weights_aligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// A scan channel's N states spread over a group of L lanes, SPT per lane (state n = lane +
// s * L): h and A in registers, 0 beyond N or for a dead channel (they then stay 0).
template <int L, int SPT>
__device__ __forceinline__ void load_channel_state(const float* state, const float* A_all,
                                                   int64_t d, int64_t N, int lane, bool live,
                                                   float (&h)[SPT], float (&A)[SPT]) {
#pragma unroll
  for (int s = 0; s < SPT; ++s) {
    const int64_t n = lane + s * L;
    const bool ok = live && n < N;
    h[s] = ok ? state[d * N + n] : 0.0f;
    A[s] = ok ? A_all[d * N + n] : 0.0f;
  }
}
template <int L, int SPT>
__device__ __forceinline__ void store_channel_state(float* state, int64_t d, int64_t N, int lane,
                                                    bool live, const float (&h)[SPT]) {
#pragma unroll
  for (int s = 0; s < SPT; ++s) {
    const int64_t n = lane + s * L;
    if (live && n < N) state[d * N + n] = h[s];
  }
}

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

// The 16 / sizeof(W) weights packed in 16 bytes (4 F32 or 8 F16/BF16), widened to F32.
template <typename W>
__device__ __forceinline__ void widen16(const uint4& raw, float* out) {
  if constexpr (sizeof(W) == 4) {
    out[0] = __uint_as_float(raw.x);
    out[1] = __uint_as_float(raw.y);
    out[2] = __uint_as_float(raw.z);
    out[3] = __uint_as_float(raw.w);
  } else {
    widen8(raw, static_cast<const W*>(nullptr), out);
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
