#include "cuda_error.hpp"

#include "coil/error.hpp"
#include "cublas_api.hpp"

namespace coil::cuda {

std::string describe(cudaError_t e) {
  return std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ")";
}

void throw_error(cudaError_t e, const std::string& what) {
  (void)cudaGetLastError();  // clear a non-sticky error so later calls start clean
  std::string msg = "CUDA backend: ";
  switch (e) {
    case cudaErrorMemoryAllocation:
      msg += "out of GPU memory: " + what;
      break;
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorLaunchTimeout:
      msg += "a kernel failed on the GPU (" + what + "): " + describe(e) +
             "; the GPU context is unusable, restart the program";
      throw Error(msg);
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorInvalidDeviceFunction:
      msg += what + ": this build has no kernels for this GPU's architecture (" + describe(e) +
             "); rebuild with its compute capability in CMAKE_CUDA_ARCHITECTURES";
      throw Error(msg);
    default:
      msg += what;
      break;
  }
  throw Error(msg + ": " + describe(e));
}

void check(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  (void)cudaGetLastError();
  std::string msg = std::string("CUDA backend: cuBLAS ") + what +
                    " failed: " + cublas().status_string(s) + " (" + cublas().status_name(s) + ")";
  if (s == CUBLAS_STATUS_ALLOC_FAILED) msg += " (out of GPU memory)";
  throw Error(msg);
}

}  // namespace coil::cuda
