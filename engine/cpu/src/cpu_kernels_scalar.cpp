// The CPU kernels compiled for scalar (flags from the file name, see engine/CMakeLists.txt).
#define KERNEL_NS kernels_scalar
#include "cpu_kernels_impl.hpp"

namespace coil {
const CpuKernels& cpu_kernels_scalar() {
  return kernels_scalar::table("scalar");
}
}  // namespace coil
