#include "cuda_device.hpp"

#include <cuda_runtime.h>

#include <cstdio>

#include "coil/error.hpp"
#include "cuda_error.hpp"

namespace coil::cuda {

std::string version_string(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::string format_bytes(size_t bytes) {
  char buf[64];
  if (bytes >= (size_t(1) << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(size_t(1) << 30));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1 << 20));
  return buf;
}

std::string DeviceInfo::describe() const {
  return name + " (" + format_bytes(total_memory) + ", compute " + std::to_string(major) + "." +
         std::to_string(minor) + ", " + std::to_string(sm_count) + " SMs)";
}

int device_count() {
  int driver = 0, runtime = 0;
  (void)cudaDriverGetVersion(&driver);  // 0 when no driver can be loaded
  (void)cudaRuntimeGetVersion(&runtime);
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  (void)cudaGetLastError();
  const std::string rt = "CUDA " + version_string(runtime);
  switch (e) {
    case cudaSuccess:
      break;
    case cudaErrorInsufficientDriver:
      if (driver == 0)
        throw Error(
            "CUDA backend: no NVIDIA driver found (libcuda.so.1 could not be loaded); "
            "install the NVIDIA driver to use a GPU");
      throw Error("CUDA backend: the NVIDIA driver supports CUDA " + version_string(driver) +
                  " but this build of Coil needs " + rt + " or newer; update the driver");
    case cudaErrorNoDevice:
      throw Error("CUDA backend: no CUDA-capable GPU found (NVIDIA driver for CUDA " +
                  version_string(driver) + ")");
    case cudaErrorStubLibrary:
      throw Error(
          "CUDA backend: only the CUDA stub library was found, not a real NVIDIA "
          "driver; install the NVIDIA driver to use a GPU");
    default:
      throw Error("CUDA backend: CUDA could not start: " + describe(e));
  }
  if (n <= 0)
    throw Error("CUDA backend: no CUDA-capable GPU found (NVIDIA driver for CUDA " +
                version_string(driver) + ")");
  return n;
}

DeviceInfo query_device(int index) {
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, index), "reading the device properties");
  DeviceInfo d;
  d.index = index;
  d.name = p.name;
  d.total_memory = p.totalGlobalMem;
  d.major = p.major;
  d.minor = p.minor;
  d.sm_count = p.multiProcessorCount;
  d.l2_bytes = static_cast<size_t>(p.l2CacheSize);
  return d;
}

}  // namespace coil::cuda
