// The CPU kernels compiled for avx512 (flags from the file name, see engine/CMakeLists.txt).
#define KERNEL_NS kernels_avx512
#include "cpu_kernels_impl.hpp"

namespace coil {
const CpuKernels& cpu_kernels_avx512() {
  return kernels_avx512::table("avx512");
}
}  // namespace coil
