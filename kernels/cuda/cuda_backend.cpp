// The factory and device listing declared in cuda_backend.hpp.
#include "coil/cuda_backend.hpp"

#include "coil/error.hpp"
#include "cuda_backend_impl.hpp"
#include "cuda_device.hpp"

namespace coil {

std::unique_ptr<Backend> create_cuda_backend(const BackendOptions& opts) {
  const int n = cuda::device_count();
  const int index = opts.device < 0 ? 0 : opts.device;
  if (index >= n) {
    std::string found;
    for (int i = 0; i < n; ++i)
      found += (i ? "; " : "") + std::to_string(i) + ": " + cuda::query_device(i).describe();
    throw Error("CUDA backend: there is no GPU " + std::to_string(index) + " (found " +
                std::to_string(n) + ": " + found + ")");
  }
  return std::make_unique<cuda::CudaBackend>(index, opts);
}

std::vector<DeviceDescription> describe_cuda_devices() {
  std::vector<DeviceDescription> out;
  const int n = cuda::device_count();
  for (int i = 0; i < n; ++i) {
    const cuda::DeviceInfo d = cuda::query_device(i);
    out.push_back({d.describe(), d.total_memory, true});
  }
  return out;
}

}  // namespace coil
