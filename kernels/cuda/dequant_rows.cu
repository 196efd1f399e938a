#include <algorithm>
#include <cstdint>

#include "dequant_rows.cuh"
#include "device_common.cuh"
#include "launch.cuh"
#include "quant_block.hpp"

namespace coil::cuda {
namespace {

__device__ __forceinline__ void store4(float* dst, const float* v) {
  *reinterpret_cast<float4*>(dst) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ void store4(__nv_bfloat16* dst, const float* v) {
  const __nv_bfloat162 lo = __floats2bfloat162_rn(v[0], v[1]),
                       hi = __floats2bfloat162_rn(v[2], v[3]);
  uint2 packed;
  memcpy(&packed.x, &lo, 4);
  memcpy(&packed.y, &hi, 4);
  *reinterpret_cast<uint2*>(dst) = packed;  // 8-byte aligned: ld and positions are multiples of 4
}

// One thread per unit (16 or 32 values) of the whole matrix, grid-stride.
template <DType T, typename O>
__global__ void dequant_rows_kernel(DequantArgs a) {
  using L = qblock::Layout<T>;
  dependency_wait();
  const int64_t nb = a.K / L::kBS, units = nb * L::kUPB, total = a.rows * units;
  const size_t row_bytes = size_t(nb) * L::kBB;
  const uint8_t* w = static_cast<const uint8_t*>(a.w);
  O* out = static_cast<O*>(a.out);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / units, u = i - r * units, b = u / L::kUPB;
    const int part = static_cast<int>(u - b * L::kUPB);
    float v[4 * L::kNG];
    qblock::unit<T, true>(w + size_t(r) * row_bytes + size_t(b) * L::kBB, part, v);
    O* dst = out + r * a.ld + b * L::kBS;
#pragma unroll
    for (int g = 0; g < L::kNG; ++g) store4(dst + qblock::group_pos<T>(part, g), v + 4 * g);
  }
}

}  // namespace

void dequant_rows(const Launch& l, const DequantArgs& a) {
  if (a.rows <= 0 || a.K <= 0) return;
  if (!block_weights_aligned(a.w) || reinterpret_cast<uintptr_t>(a.out) % 16 != 0 || a.ld % 4 != 0)
    throw_error(cudaErrorMisalignedAddress, "dequant_rows: misaligned operands");
  constexpr unsigned kBlock = 256;
  const bool ok = with_block_type(a.dtype, [&](auto t) {
    constexpr DType T = decltype(t)::value;
    using L = qblock::Layout<T>;
    const int64_t units = a.rows * (a.K / L::kBS) * L::kUPB;
    const dim3 grid(
        static_cast<unsigned>(std::min<int64_t>((units + kBlock - 1) / kBlock, 1 << 16)));
    if (a.bf16)
      launch_kernel(l, "dequant_rows", dequant_rows_kernel<T, __nv_bfloat16>, grid, kBlock, 0, a);
    else
      launch_kernel(l, "dequant_rows", dequant_rows_kernel<T, float>, grid, kBlock, 0, a);
  });
  if (!ok) throw_error(cudaErrorInvalidValue, "dequant_rows: not a block type");
}

}  // namespace coil::cuda
