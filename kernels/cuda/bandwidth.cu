#include <algorithm>
#include <chrono>

#include "bandwidth.cuh"
#include "device_common.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

constexpr int kBlock = 256;
constexpr int kUnroll = 4;

__global__ void __launch_bounds__(kBlock) read_kernel(const uint4* p, size_t n, unsigned* sink) {
  dependency_wait();
  const size_t stride = size_t(gridDim.x) * kBlock;
  size_t i = blockIdx.x * size_t(kBlock) + threadIdx.x;
  unsigned acc = 0;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = __ldcs(p + i + u * stride);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
  }
  for (; i < n; i += stride) {
    const uint4 v = __ldcs(p + i);
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;  // keeps the loads; (almost) never stores
}

}  // namespace

double measure_read_gbps(const Launch& l, const void* buf, size_t bytes, unsigned* sink, int runs) {
  const size_t n = bytes / 16;
  const unsigned grid = static_cast<unsigned>(l.sm_count) * 8;  // 8 blocks of 256 per SM
  cudaEvent_t start = nullptr, stop = nullptr;
  check(cudaEventCreate(&start), "creating an event");
  check(cudaEventCreate(&stop), "creating an event");
  double best_ms = 0.0;
  try {
    const auto* p = static_cast<const uint4*>(buf);
    // warm-up of at least 100 ms: an idle GPU runs at a fraction of its clock (an H200 read
    // 345 MHz idle, 1980 MHz busy) and takes a while to ramp up; a few runs of a 1 GiB read
    // (a third of a millisecond each on an H100) would time the ramp, not the memory
    const auto warm_start = std::chrono::steady_clock::now();
    do {
      for (int w = 0; w < 16; ++w)
        launch_kernel(l, "read_bandwidth", read_kernel, grid, kBlock, 0, p, n, sink);
      check(cudaStreamSynchronize(l.stream), "warming up for the bandwidth measurement");
    } while (std::chrono::steady_clock::now() - warm_start < std::chrono::milliseconds(100));
    for (int r = 0; r < runs; ++r) {
      check(cudaEventRecord(start, l.stream), "recording an event");
      launch_kernel(l, "read_bandwidth", read_kernel, grid, kBlock, 0, p, n, sink);
      check(cudaEventRecord(stop, l.stream), "recording an event");
      check(cudaEventSynchronize(stop), "measuring the memory bandwidth");
      float ms = 0.0f;
      check(cudaEventElapsedTime(&ms, start, stop), "reading an event time");
      if (r == 0 || ms < best_ms) best_ms = ms;
    }
  } catch (...) {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    throw;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return best_ms > 0 ? double(n) * 16 / (best_ms * 1e-3) / 1e9 : 0.0;
}

}  // namespace coil::cuda
