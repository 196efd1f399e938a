// The CPU kernels compiled for avx512 + avx512vnni (flags from the file name, see
// engine/cpu/CMakeLists.txt): the avx512 kernels, with the block-quantized weights' matmuls on
// 16-bit activations (two 8-bit parts) and vpdpbusd (cpu_quant.hpp).
#define KERNEL_NS kernels_avx512vnni
#include "cpu_kernels_impl.hpp"

namespace coil {
const CpuKernels& cpu_kernels_avx512vnni() {
  return kernels_avx512vnni::table("avx512vnni");
}
}  // namespace coil
