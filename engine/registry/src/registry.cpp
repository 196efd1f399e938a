// Which backends this binary has, and how to create one by name.
#include "coil/registry.hpp"

#include <string>
#include <vector>

#include "coil/cpu_backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "coil/error.hpp"

#ifdef COIL_HAVE_CUDA
#include "coil/cuda_backend.hpp"
#endif
#ifdef COIL_HAVE_VULKAN
#include "coil/vulkan_backend.hpp"
#endif

namespace coil {

std::vector<std::string> compiled_backends() {
  std::vector<std::string> names{"cpu", "cpu-ref"};
#ifdef COIL_HAVE_CUDA
  names.push_back("cuda");
#endif
#ifdef COIL_HAVE_VULKAN
  names.push_back("vulkan");
#endif
  return names;
}

std::unique_ptr<Backend> create_backend(const std::string& name, const BackendOptions& opts) {
  if (name == "cpu") return create_cpu_backend(opts);
  if (name == "cpu-ref") return create_cpu_reference_backend();
  if (name == "cuda") {
#ifdef COIL_HAVE_CUDA
    return create_cuda_backend(opts);
#else
    throw Error(
        "CUDA backend: not compiled into this build of Coil (configure with -DCOIL_CUDA=ON)");
#endif
  }
  if (name == "vulkan") {
#ifdef COIL_HAVE_VULKAN
    return create_vulkan_backend(opts);
#else
    throw Error(
        "Vulkan backend: not compiled into this build of Coil (configure with -DCOIL_VULKAN=ON)");
#endif
  }
  throw Error("unknown backend '" + name + "' (choose auto, cpu, vulkan or cuda)");
}

std::vector<DeviceDescription> describe_devices(const std::string& name,
                                                const BackendOptions& opts) {
  if (name == "cpu" || name == "cpu-ref") return {{create_backend(name, opts)->info().device}};
#ifdef COIL_HAVE_CUDA
  if (name == "cuda") return describe_cuda_devices();
#endif
#ifdef COIL_HAVE_VULKAN
  if (name == "vulkan") return describe_vulkan_devices();
#endif
  return {};
}

std::vector<std::string> list_devices(const std::string& name, const BackendOptions& opts) {
  std::vector<std::string> out;
  for (const DeviceDescription& d : describe_devices(name, opts)) out.push_back(d.text);
  return out;
}

}  // namespace coil
