// The CPU kernels compiled for avx2 (flags from the file name, see engine/CMakeLists.txt).
#define KERNEL_NS kernels_avx2
#include "cpu_kernels_impl.hpp"

namespace coil {
const CpuKernels& cpu_kernels_avx2() {
  return kernels_avx2::table("avx2");
}
}  // namespace coil
