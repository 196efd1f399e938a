#include <algorithm>

#include "add.cuh"
#include "device_common.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

__global__ void add_kernel(AddArgs a) {
  dependency_wait();
  for (int64_t t = blockIdx.y; t < a.T; t += gridDim.y) {
    float* dst = a.a + t * a.a_stride;
    const float* src = a.b + t * a.b_stride;
    for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < a.H;
         c += int64_t(gridDim.x) * blockDim.x)
      dst[c] += src[c];
  }
}

}  // namespace

void add(const Launch& l, const AddArgs& a) {
  if (a.T <= 0 || a.H <= 0) return;
  constexpr unsigned kBlock = 256;
  const dim3 grid(std::min(blocks_for(a.H, kBlock), 128u),
                  static_cast<unsigned>(std::min<int64_t>(a.T, 65535)));
  launch_kernel(l, "add", add_kernel, grid, kBlock, 0, a);
}

cudaError_t probe_kernel_image(int* ptx_version, int* binary_version) {
  cudaFuncAttributes attr{};
  const cudaError_t e = cudaFuncGetAttributes(&attr, add_kernel);
  if (e == cudaSuccess) {
    *ptx_version = attr.ptxVersion;
    *binary_version = attr.binaryVersion;
  }
  return e;
}

}  // namespace coil::cuda
