#include "cublas_api.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "coil/error.hpp"

#ifndef COIL_CUDA_LIBRARY_DIR
#define COIL_CUDA_LIBRARY_DIR ""
#endif

namespace coil::cuda {
namespace {

template <typename Fn>
void resolve(void* lib, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!fn)
    throw Error(std::string("CUDA backend: cuBLAS has no ") + name +
                " (a cuBLAS older than this build's CUDA " + std::to_string(CUBLAS_VER_MAJOR) +
                "?)");
}

CublasApi load() {
  const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string why = lib ? "" : dlerror();
  const std::string dir = COIL_CUDA_LIBRARY_DIR;
  if (!lib && !dir.empty()) {
    lib = dlopen((dir + "/" + name).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) why += std::string("; ") + dlerror();
  }
  if (!lib)
    throw Error("CUDA backend: cuBLAS (" + name + ") could not be loaded: " + why +
                "; install the CUDA " + std::to_string(CUBLAS_VER_MAJOR) +
                " libraries or add their folder to LD_LIBRARY_PATH");
  CublasApi api{};
  resolve(lib, "cublasCreate_v2", api.create);
  resolve(lib, "cublasDestroy_v2", api.destroy);
  resolve(lib, "cublasSetStream_v2", api.set_stream);
  resolve(lib, "cublasSetWorkspace_v2", api.set_workspace);
  resolve(lib, "cublasSetMathMode", api.set_math_mode);
  resolve(lib, "cublasGemmEx", api.gemm_ex);
  resolve(lib, "cublasGetStatusString", api.status_string);
  resolve(lib, "cublasGetStatusName", api.status_name);
  return api;  // the library stays loaded for the life of the process
}

}  // namespace

const CublasApi& cublas() {
  static std::mutex m;
  static CublasApi api{};
  static bool loaded = false;
  std::lock_guard<std::mutex> lock(m);
  if (!loaded) {  // a failure is retried next time (the error is thrown each time)
    api = load();
    loaded = true;
  }
  return api;
}

}  // namespace coil::cuda
