// Finding CUDA devices, and the reasons a machine cannot run the CUDA backend.
#pragma once
#include <cstddef>
#include <string>

namespace coil::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;  // "NVIDIA H100 80GB HBM3"
  size_t total_memory = 0;
  int major = 0, minor = 0;  // compute capability
  int sm_count = 0;
  size_t l2_bytes = 0;
  std::string describe() const;  // "NVIDIA H100 80GB HBM3 (79.1 GiB, compute 9.0, 132 SMs)"
};

// The number of CUDA devices (>= 1). Throws coil::Error saying why there are none: no
// NVIDIA driver, a driver older than this build's runtime, no GPU, CUDA failing to start.
int device_count();

// Properties of device `index` (< device_count()).
DeviceInfo query_device(int index);

// "13.0" from CUDA's integer version 13000.
std::string version_string(int v);

// Bytes as "1.5 GiB" / "300.0 MiB".
std::string format_bytes(size_t bytes);

}  // namespace coil::cuda
