#include <algorithm>

#include "conv1d_silu.cuh"
#include "device_common.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

constexpr int kTile = 16;  // tokens per thread (>= K - 1, so later tiles never read the state)

// Input j of the combined sequence [state; x] for channel d.
template <int K>
__device__ __forceinline__ float input(const ConvArgs& a, int64_t j, int64_t d) {
  return j < K - 1 ? a.state[j * a.D + d] : a.x[(j - (K - 1)) * a.x_stride + d];
}

template <int K>
__global__ void conv_kernel(ConvArgs a) {
  dependency_wait();
  const int64_t d = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t t0 = int64_t(blockIdx.y) * kTile;
  if (d >= a.D || t0 >= a.T) return;
  const int64_t t1 = min(a.T, t0 + kTile);

  float w[K];
#pragma unroll
  for (int k = 0; k < K; ++k) w[k] = a.w[d * K + k];
  const float b = a.bias ? a.bias[d] : 0.0f;
  // win[k]: input t + k for the output at t; the first K-1 are known before the loop
  float win[K];
#pragma unroll
  for (int k = 0; k < K - 1; ++k) win[k] = input<K>(a, t0 + k, d);
  float old[K > 1 ? K - 1 : 1];  // the state as read (tile 0 only)
#pragma unroll
  for (int k = 0; k < K - 1; ++k) old[k] = win[k];

  for (int64_t t = t0; t < t1; ++t) {
    win[K - 1] = a.x[t * a.x_stride + d];
    float acc = b;
#pragma unroll
    for (int k = 0; k < K; ++k) acc = fmaf(w[k], win[k], acc);
    a.out[t * a.out_stride + d] = silu(acc);
#pragma unroll
    for (int k = 0; k < K - 1; ++k) win[k] = win[k + 1];
  }

  if (blockIdx.y == 0) {
    // new state row j = input T + j: from the chunk, or (T < K-1) from the old state
#pragma unroll
    for (int j = 0; j < K - 1; ++j) {
      const int64_t p = a.T + j;
      float v;
      if (p >= K - 1) {
        v = a.x[(p - (K - 1)) * a.x_stride + d];
      } else {
        v = old[0];
#pragma unroll
        for (int q = 1; q < K - 1; ++q)
          if (q == p) v = old[q];
      }
      a.state[j * a.D + d] = v;
    }
  }
}

template <int K>
void launch_k(const Launch& l, const ConvArgs& a) {
  constexpr unsigned kBlock = 64;
  const dim3 grid(blocks_for(a.D, kBlock), blocks_for(a.T, kTile));
  launch_kernel(l, "conv1d_silu", conv_kernel<K>, grid, kBlock, 0, a);
}

}  // namespace

void conv1d_silu(const Launch& l, const ConvArgs& a, int K) {
  if (a.T <= 0 || a.D <= 0) return;
  if (blocks_for(a.T, kTile) > 65535u)
    throw_error(cudaErrorInvalidValue, "conv1d_silu: chunk too long");
  switch (K) {
    case 1:
      return launch_k<1>(l, a);
    case 2:
      return launch_k<2>(l, a);
    case 3:
      return launch_k<3>(l, a);
    case 4:
      return launch_k<4>(l, a);
    case 5:
      return launch_k<5>(l, a);
    case 6:
      return launch_k<6>(l, a);
    case 7:
      return launch_k<7>(l, a);
    case 8:
      return launch_k<8>(l, a);
    default:
      break;
  }
  throw_error(cudaErrorInvalidValue, "conv1d_silu: kernel size outside 1..8");
}

}  // namespace coil::cuda
