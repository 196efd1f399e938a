// The COIL_* environment variables: switches for debugging and measuring, read by programs'
// main() only (the coil CLI, coil-chat, coil-resume-bench, the test programs). The libraries
// take the same values as fields of their options structs and never read the environment.
//
//   COIL_CPU_ISA=scalar|avx2|avx512|avx512vnni|auto  BackendOptions::cpu_isa
//   COIL_CPU_HUGE_PAGES=0                            BackendOptions::cpu_huge_pages = false
//   COIL_VULKAN_VALIDATION=1                         BackendOptions::vulkan_validation
//   COIL_VULKAN_NO_SUBGROUPS=1                       BackendOptions::vulkan_subgroups = false
//   COIL_CUDA_GEMM=single                            BackendOptions::cuda_split_gemm = false
//   COIL_CUDA_GEMM_SCRATCH_MB=N                      BackendOptions::cuda_gemm_scratch_bytes
//   COIL_CUDA_PDL=0                                  BackendOptions::cuda_pdl = false
//   COIL_SELF_CHECK=0                                ModelOptions::self_check = false
//   COIL_SELF_CHECK_FAULT=<op>                       ModelOptions::self_check_fault
//   COIL_FUSED_DECODE=0                              ModelOptions::fused_decode = false
#pragma once
#include "coil/model.hpp"

namespace coil {

// `base` with the variables that are set applied to it.
ModelOptions model_options_from_environment(ModelOptions base = {});

}  // namespace coil
