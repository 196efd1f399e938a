#include "device_common.cuh"
#include "get_rows.cuh"
#include "launch.cuh"
#include "quant_block.hpp"

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

template <DType T>
__global__ void get_rows_blocks_kernel(GetRowsArgs a) {
  using L = qblock::Layout<T>;
  dependency_wait();
  const uint8_t* table = static_cast<const uint8_t*>(a.table);
  const int64_t units = (a.H / L::kBS) * L::kUPB;
  for (int64_t t = blockIdx.y; t < a.T; t += gridDim.y) {
    const int32_t id = a.ids[t];
    const bool ok = id >= 0 && id < a.vocab;
    const uint8_t* src = table + (ok ? id : 0) * a.table_stride;
    float* dst = a.out + t * a.out_stride;
    for (int64_t u = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; u < units;
         u += int64_t(gridDim.x) * blockDim.x) {
      const int64_t b = u / L::kUPB;
      const int part = static_cast<int>(u - b * L::kUPB);
      float v[4 * L::kNG];
      qblock::unit<T, true>(src + b * L::kBB, part, v);
#pragma unroll
      for (int g = 0; g < L::kNG; ++g)
#pragma unroll
        for (int j = 0; j < 4; ++j)
          dst[b * L::kBS + qblock::group_pos<T>(part, g) + j] = ok ? v[4 * g + j] : 0.0f;
    }
  }
}

}  // namespace

void get_rows(const Launch& l, const GetRowsArgs& a) {
  if (a.T <= 0 || a.H <= 0) return;
  constexpr unsigned kBlock = 256;
  const dim3 grid(std::min(blocks_for(a.H, kBlock), 64u),
                  static_cast<unsigned>(std::min<int64_t>(a.T, 65535)));
  if (dtype_is_quantized(a.dtype)) {
    if (!block_weights_aligned(a.table))
      throw_error(cudaErrorMisalignedAddress, "get_rows: block-type table must start on 16 bytes");
    with_block_type(a.dtype, [&](auto t) {
      constexpr DType T = decltype(t)::value;
      using L = qblock::Layout<T>;
      const dim3 g(std::min(blocks_for(a.H / L::kBS * L::kUPB, kBlock), 64u), grid.y);
      launch_kernel(l, "get_rows", get_rows_blocks_kernel<T>, g, kBlock, 0, a);
    });
    return;
  }
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
