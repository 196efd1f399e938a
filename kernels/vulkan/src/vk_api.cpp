#include "vk_api.hpp"

#include <dlfcn.h>

#include <mutex>

#include "coil/error.hpp"

namespace coil::vk {
namespace {

PFN_vkGetInstanceProcAddr open_loader() {
  static std::once_flag once;
  static PFN_vkGetInstanceProcAddr gipa = nullptr;
  static std::string why;
  std::call_once(once, [] {
    void* lib = nullptr;
    for (const char* name : {"libvulkan.so.1", "libvulkan.so"}) {
      lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (lib) break;
      const char* e = dlerror();
      if (why.empty() && e) why = e;
    }
    if (!lib && why.empty()) why = "libvulkan.so.1 not found";
    if (!lib) return;  // never closed: drivers keep threads and atexit handlers
    gipa = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
    if (!gipa) why = "libvulkan.so.1 has no vkGetInstanceProcAddr";
  });
  if (!gipa)
    throw Error("Vulkan: no Vulkan loader found (" + why +
                "); install libvulkan1 and a Vulkan driver");
  return gipa;
}

}  // namespace

void Fns::load_global() {
  GetInstanceProcAddr = open_loader();
#define COIL_VK_LOAD_GLOBAL(name) \
  name = reinterpret_cast<PFN_vk##name>(GetInstanceProcAddr(nullptr, "vk" #name));
  COIL_VK_GLOBAL_FNS(COIL_VK_LOAD_GLOBAL)
#undef COIL_VK_LOAD_GLOBAL
  if (!CreateInstance || !EnumerateInstanceExtensionProperties || !EnumerateInstanceLayerProperties)
    throw Error("Vulkan: the Vulkan loader is incomplete (no vkCreateInstance)");
}

void Fns::load_instance(VkInstance instance, bool debug_utils) {
#define COIL_VK_LOAD_INSTANCE(name)                                                 \
  name = reinterpret_cast<PFN_vk##name>(GetInstanceProcAddr(instance, "vk" #name)); \
  if (!name) throw Error("Vulkan: the Vulkan loader lacks vk" #name " (too old, need 1.1+)");
  COIL_VK_INSTANCE_FNS(COIL_VK_LOAD_INSTANCE)
  if (debug_utils) {
    COIL_VK_DEBUG_FNS(COIL_VK_LOAD_INSTANCE)
  }
#undef COIL_VK_LOAD_INSTANCE
}

void Fns::load_device(VkDevice device) {
#define COIL_VK_LOAD_DEVICE(name)                                               \
  name = reinterpret_cast<PFN_vk##name>(GetDeviceProcAddr(device, "vk" #name)); \
  if (!name) throw Error("Vulkan: the driver lacks vk" #name);
  COIL_VK_DEVICE_FNS(COIL_VK_LOAD_DEVICE)
#undef COIL_VK_LOAD_DEVICE
}

const char* result_name(VkResult r) {
  switch (r) {
#define COIL_VK_CASE(x) \
  case x:               \
    return #x;
    COIL_VK_CASE(VK_SUCCESS)
    COIL_VK_CASE(VK_NOT_READY)
    COIL_VK_CASE(VK_TIMEOUT)
    COIL_VK_CASE(VK_INCOMPLETE)
    COIL_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    COIL_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    COIL_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    COIL_VK_CASE(VK_ERROR_DEVICE_LOST)
    COIL_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    COIL_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    COIL_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    COIL_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    COIL_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    COIL_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    COIL_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    COIL_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    COIL_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    COIL_VK_CASE(VK_ERROR_UNKNOWN)
#undef COIL_VK_CASE
    default:
      return "unknown VkResult";
  }
}

void check(VkResult r, const char* what, const std::string& device) {
  if (r == VK_SUCCESS) return;
  std::string msg = std::string("Vulkan: ") + what + " failed";
  if (!device.empty()) msg += " on " + device;
  msg += ": ";
  msg += result_name(r);
  if (r == VK_ERROR_DEVICE_LOST) msg += " (the GPU was reset or the driver crashed)";
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY) msg += " (out of device memory)";
  throw Error(msg);
}

}  // namespace coil::vk
