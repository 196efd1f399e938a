// Picks the CPU kernel table at run time: the best instruction set cpuid reports, or the
// one BackendOptions::cpu_isa names (scalar, avx2, avx512, avx512vnni, auto).
#include <cpuid.h>

#include <cstdint>
#include <string>

#include "coil/error.hpp"
#include "cpu_kernels.hpp"

namespace coil {
namespace {

// The instruction sets the kernels need, from cpuid (and xgetbv: the OS saves the AVX and
// AVX-512 registers). Read directly rather than through __builtin_cpu_supports, whose list
// of feature names differs between GCC and Clang (Clang 14 knows no "f16c").
struct CpuFeatures {
  bool avx2 = false, avx512 = false, avx512vnni = false;
};

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28),
             f16c = c & (1u << 29);
  if (!osxsave || !avx) return f;
  uint32_t xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool os_avx = (xcr0_lo & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0_lo & 0xE6) == 0xE6;  // and opmask, ZMM state
  if (!os_avx || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17),
             avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  f.avx2 = avx2 && fma && f16c;
  f.avx512 = f.avx2 && os_avx512 && avx512f && avx512dq && avx512bw && avx512vl;
  f.avx512vnni = f.avx512 && (c & (1u << 11));  // leaf 7 ECX: AVX512_VNNI
  return f;
}

}  // namespace

const CpuKernels* cpu_kernels_named(const std::string& isa) {
  static const CpuFeatures cpu = detect();
  if (isa == "scalar") return &cpu_kernels_scalar();
  if (isa == "avx2" && cpu.avx2) return &cpu_kernels_avx2();
  if (isa == "avx512" && cpu.avx512) return &cpu_kernels_avx512();
  if (isa == "avx512vnni" && cpu.avx512vnni) return &cpu_kernels_avx512vnni();
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
