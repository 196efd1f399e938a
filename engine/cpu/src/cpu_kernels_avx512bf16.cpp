// The CPU kernels compiled for avx512 + avx512bf16 (flags from the file name, see
// engine/CMakeLists.txt): the avx512 kernels, with BF16-weight GEMMs on vdpbf16ps.
#define KERNEL_NS kernels_avx512bf16
#include "cpu_kernels_impl.hpp"

namespace coil {
const CpuKernels& cpu_kernels_avx512bf16() {
  return kernels_avx512bf16::table("avx512bf16");
}
}  // namespace coil
