#include "device_common.cuh"
#include "get_rows.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

template <typename W>
__global__ void get_rows_kernel(GetRowsArgs a) {
  dependency_wait();
  const W* table = static_cast<const W*>(a.table);
  for (int64_t t = blockIdx.y; t < a.T; t += gridDim.y) {
    const int32_t id = a.ids[t];
    const bool ok = id >= 0 && id < a.vocab;
    const W* src = table + (ok ? id : 0) * a.table_stride;
    float* dst = a.out + t * a.out_stride;
    for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < a.H;
         c += int64_t(gridDim.x) * blockDim.x)
      dst[c] = ok ? to_f32(src[c]) : 0.0f;
  }
}

}  // namespace

void get_rows(const Launch& l, const GetRowsArgs& a) {
  if (a.T <= 0 || a.H <= 0) return;
  constexpr unsigned kBlock = 256;
  const dim3 grid(std::min(blocks_for(a.H, kBlock), 64u),
                  static_cast<unsigned>(std::min<int64_t>(a.T, 65535)));
  switch (a.dtype) {
    case DType::F32:
      return launch_kernel(l, "get_rows", get_rows_kernel<float>, grid, kBlock, 0, a);
    case DType::F16:
      return launch_kernel(l, "get_rows", get_rows_kernel<__half>, grid, kBlock, 0, a);
    case DType::BF16:
      return launch_kernel(l, "get_rows", get_rows_kernel<__nv_bfloat16>, grid, kBlock, 0, a);
    default:
      break;
  }
  throw_error(cudaErrorInvalidValue, "get_rows: unsupported table dtype");
}

}  // namespace coil::cuda
