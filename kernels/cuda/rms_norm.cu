#include <algorithm>

#include "device_common.cuh"
#include "launch.cuh"
#include "rms_norm.cuh"

namespace coil::cuda {
namespace {

// One block per row. In place is safe: each thread rewrites exactly the elements it read,
// after the block-wide reduction.
template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) rms_norm_kernel(RmsNormArgs a) {
  dependency_wait();
  for (int64_t t = blockIdx.x; t < a.T; t += gridDim.x) {
    const float* x = a.x + t * a.x_stride;
    float ss = 0.0f;
    for (int64_t c = threadIdx.x; c < a.H; c += BLOCK) {
      const float v = x[c];
      ss = fmaf(v, v, ss);
    }
    ss = block_reduce<BLOCK>(ss);
    const float inv = 1.0f / sqrtf(ss / static_cast<float>(a.H) + a.eps);
    float* out = a.out + t * a.out_stride;
    for (int64_t c = threadIdx.x; c < a.H; c += BLOCK) {
      const float v = x[c] * inv;
      out[c] = a.weight ? v * a.weight[c] : v;
    }
  }
}

}  // namespace

void rms_norm(const Launch& l, const RmsNormArgs& a) {
  if (a.T <= 0 || a.H <= 0) return;
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(a.T, 1 << 20));
  if (a.H <= 64) return launch_kernel(l, "rms_norm", rms_norm_kernel<32>, grid, 32, 0, a);
  if (a.H <= 1024) return launch_kernel(l, "rms_norm", rms_norm_kernel<128>, grid, 128, 0, a);
  launch_kernel(l, "rms_norm", rms_norm_kernel<512>, grid, 512, 0, a);
}

}  // namespace coil::cuda
