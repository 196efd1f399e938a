// cuBLAS, loaded with dlopen when the first CUDA backend is created rather than linked:
// linking libcublas costs every process that merely contains the CUDA backend ~0.7 s of
// start-up and ~220 MB of resident memory (its relocations and static initialisers), the
// CPU-only runs and the desktop app included. A machine without cuBLAS then gets a clear
// "CUDA backend: cuBLAS could not be loaded" error instead of a binary that cannot start.
#pragma once
#include <cublas_v2.h>

namespace coil::cuda {

struct CublasApi {
  decltype(&::cublasCreate_v2) create;
  decltype(&::cublasDestroy_v2) destroy;
  decltype(&::cublasSetStream_v2) set_stream;
  decltype(&::cublasSetWorkspace_v2) set_workspace;
  decltype(&::cublasSetMathMode) set_math_mode;
  // cublasGemmEx is overloaded in C++ (a legacy cudaDataType compute type): name the C one
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*, cudaDataType,
                            int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t);
  decltype(&::cublasGetStatusString) status_string;
  decltype(&::cublasGetStatusName) status_name;
};

// Loads libcublas.so.<major> once (the system search path, then the toolkit this was built
// against) and returns its entry points; throws coil::Error naming CUDA and the reason.
const CublasApi& cublas();

}  // namespace coil::cuda
