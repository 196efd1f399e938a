#include <cstdlib>
#include <string>

#include "coil/error.hpp"
#include "cpu/cpu_kernels.hpp"

namespace coil {

const CpuKernels& best_cpu_kernels() {
  static const CpuKernels* chosen = [] {
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("f16c");
    if (const char* want = std::getenv("COIL_CPU_ISA")) {
      const std::string w = want;
      if (w == "scalar") return &cpu_kernels_scalar();
      if (w == "avx2" && avx2) return &cpu_kernels_avx2();
      if (w == "avx512" && avx512) return &cpu_kernels_avx512();
      if (w != "auto")
        throw Error("COIL_CPU_ISA=" + w + " is not supported on this CPU (use scalar, avx2, avx512 or auto)");
    }
    if (avx512) return &cpu_kernels_avx512();
    if (avx2) return &cpu_kernels_avx2();
    return &cpu_kernels_scalar();
  }();
  return *chosen;
}

}  // namespace coil
