// Picks the CPU kernel table at run time: the best instruction set cpuid reports, or the
// one BackendOptions::cpu_isa names (scalar, avx2, avx512, avx512vnni, auto).
#include <string>

#include "coil/error.hpp"
#include "cpu_kernels.hpp"

namespace coil {

const CpuKernels* cpu_kernels_named(const std::string& isa) {
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  if (isa == "scalar") return &cpu_kernels_scalar();
  if (isa == "avx2" && avx2) return &cpu_kernels_avx2();
  if (isa == "avx512" && avx512) return &cpu_kernels_avx512();
  if (isa == "avx512vnni" && avx512 && __builtin_cpu_supports("avx512vnni"))
    return &cpu_kernels_avx512vnni();
  return nullptr;
}

const CpuKernels& best_cpu_kernels() {
  static const CpuKernels* chosen = [] {
    for (const char* isa : {"avx512vnni", "avx512", "avx2"})
      if (const CpuKernels* k = cpu_kernels_named(isa)) return k;
    return &cpu_kernels_scalar();
  }();
  return *chosen;
}

const CpuKernels& cpu_kernels_for(const std::string& isa) {
  if (isa.empty() || isa == "auto") return best_cpu_kernels();
  if (const CpuKernels* k = cpu_kernels_named(isa)) return *k;
  throw Error("CPU instruction set " + isa +
              " is not supported on this CPU (use scalar, avx2, avx512, avx512vnni or auto)");
}

}  // namespace coil
