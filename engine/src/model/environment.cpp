// The COIL_* environment variables as option fields (coil/environment.hpp).
#include "coil/environment.hpp"

#include <cstdlib>
#include <string>

namespace coil {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

bool env_is(const char* name, const char* value) {
  const char* v = env(name);
  return v && std::string(v) == value;
}

}  // namespace

ModelOptions model_options_from_environment(ModelOptions base) {
  BackendOptions& b = base.backend_options;
  if (const char* isa = env("COIL_CPU_ISA")) b.cpu_isa = isa;
  if (env_is("COIL_CPU_HUGE_PAGES", "0")) b.cpu_huge_pages = false;
  if (env_is("COIL_VULKAN_VALIDATION", "1")) b.vulkan_validation = true;
  if (env_is("COIL_VULKAN_NO_SUBGROUPS", "1")) b.vulkan_subgroups = false;
  if (const char* mode = env("COIL_CUDA_GEMM")) b.cuda_split_gemm = std::string(mode) != "single";
  if (const char* mb = env("COIL_CUDA_GEMM_SCRATCH_MB")) {
    const long v = std::strtol(mb, nullptr, 10);
    if (v > 0) b.cuda_gemm_scratch_bytes = static_cast<size_t>(v) << 20;
  }
  if (env_is("COIL_CUDA_PDL", "0")) b.cuda_pdl = false;
  if (env_is("COIL_SELF_CHECK", "0")) base.self_check = false;
  if (const char* op = env("COIL_SELF_CHECK_FAULT")) base.self_check_fault = op;
  if (env_is("COIL_FUSED_DECODE", "0")) base.fused_decode = false;
  return base;
}

}  // namespace coil
