// CUDA and cuBLAS status codes turned into coil::Error messages a person understands.
// Every message starts with "CUDA backend:" so the reason is visible in a fallback note.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace coil::cuda {

// "no CUDA-capable device is detected (cudaErrorNoDevice)"
std::string describe(cudaError_t e);

// Throws coil::Error "CUDA backend: <what>: <describe(e)>" (out of memory and a failed
// kernel get their own wording). Clears CUDA's last-error slot first, so that a
// recoverable error such as a failed allocation does not resurface at the next launch.
[[noreturn]] void throw_error(cudaError_t e, const std::string& what);

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw_error(e, what);
}
void check(cublasStatus_t s, const char* what);

}  // namespace coil::cuda
