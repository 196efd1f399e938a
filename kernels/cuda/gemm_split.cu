#include <algorithm>
#include <cmath>

#include "device_common.cuh"
#include "gemm_split.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

template <typename W>
__device__ __forceinline__ W from_f32(float v);
template <>
__device__ __forceinline__ __half from_f32<__half>(float v) {
  return __float2half_rn(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

// One block per row: the row is scaled by a power of two so that its largest magnitude is
// in [0.5, 1) (exact, and keeps F16 clear of overflow and of its subnormal range), then
// hi = round(x * s) and lo = round((x * s - hi) * lo_mul).
template <typename W, int BLOCK>
__global__ void __launch_bounds__(BLOCK) split_kernel(SplitArgs a) {
  dependency_wait();
  W* xs = static_cast<W*>(a.xs);
  for (int64_t t = blockIdx.x; t < a.T; t += gridDim.x) {
    const float* x = a.x + t * a.x_stride;
    float m = 0.0f;
    for (int64_t k = threadIdx.x; k < a.K; k += BLOCK) m = fmaxf(m, fabsf(x[k]));
    m = block_reduce<BLOCK, true>(m);
    int e = 0;
    if (m > 0.0f && isfinite(m)) {
      frexpf(m, &e);
      e = max(-120, min(120, e));
    }
    const float s = ldexpf(1.0f, -e);
    if (threadIdx.x == 0) a.inv_scale[t] = ldexpf(1.0f, e);
    W* hi = xs + t * a.ld;
    W* lo = xs + (a.T + t) * a.ld;
    for (int64_t k = threadIdx.x; k < a.K; k += BLOCK) {
      const float v = x[k] * s;
      const W h = from_f32<W>(v);
      hi[k] = h;
      if (a.two) lo[k] = from_f32<W>((v - to_f32(h)) * a.lo_mul);
    }
  }
}

__global__ void epilogue_kernel(EpilogueArgs a) {
  dependency_wait();
  for (int64_t t = blockIdx.y; t < a.T; t += gridDim.y) {
    const float* yh = a.y + t * a.ldy;
    const float* yl = a.y + (a.T + t) * a.ldy;
    const float inv = a.inv_scale[t];
    float* out = a.out + t * a.out_stride;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < a.n;
         j += int64_t(gridDim.x) * blockDim.x) {
      float v = yh[j];
      if (a.two) v = fmaf(yl[j], a.lo_inv, v);
      v *= inv;
      out[j] = a.bias ? v + a.bias[j] : v;
    }
  }
}

__global__ void fill_rows_kernel(float* out, int64_t stride, int64_t T, int64_t N,
                                 const float* bias) {
  dependency_wait();
  for (int64_t t = blockIdx.y; t < T; t += gridDim.y)
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < N;
         j += int64_t(gridDim.x) * blockDim.x)
      out[t * stride + j] = bias[j];
}

dim3 rows_grid(int64_t T, int64_t n, unsigned block) {
  return dim3(std::min(blocks_for(n, block), 256u),
              static_cast<unsigned>(std::min<int64_t>(T, 65535)));
}

}  // namespace

void split_activations(const Launch& l, const SplitArgs& a) {
  if (a.T <= 0) return;
  constexpr int kBlock = 256;
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(a.T, 1 << 20));
  if (a.dtype == DType::F16)
    return launch_kernel(l, "split_activations", split_kernel<__half, kBlock>, grid, kBlock, 0, a);
  if (a.dtype == DType::BF16)
    return launch_kernel(l, "split_activations", split_kernel<__nv_bfloat16, kBlock>, grid, kBlock,
                         0, a);
  throw_error(cudaErrorInvalidValue, "split_activations: unsupported dtype");
}

void gemm_epilogue(const Launch& l, const EpilogueArgs& a) {
  if (a.T <= 0 || a.n <= 0) return;
  launch_kernel(l, "gemm_epilogue", epilogue_kernel, rows_grid(a.T, a.n, 256), 256, 0, a);
}

void fill_rows(const Launch& l, float* out, int64_t out_stride, int64_t T, int64_t N,
               const float* bias) {
  if (T <= 0 || N <= 0) return;
  launch_kernel(l, "fill_rows", fill_rows_kernel, rows_grid(T, N, 256), 256, 0, out, out_stride, T,
                N, bias);
}

}  // namespace coil::cuda
