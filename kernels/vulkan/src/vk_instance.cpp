#include "vk_instance.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "coil/error.hpp"

namespace coil::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr const char* kSelfTestMarker = "coil-validation-selftest";

VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                          VkDebugUtilsMessageTypeFlagsEXT,
                                          const VkDebugUtilsMessengerCallbackDataEXT* data,
                                          void* user) {
  auto* log = static_cast<MessageLog*>(user);
  const std::string text = data && data->pMessage ? data->pMessage : "(no message)";
  std::lock_guard lock(log->mu);
  if (text.find(kSelfTestMarker) != std::string::npos) {
    log->selftest_seen = true;
    return VK_FALSE;
  }
  const char* sev = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  log->messages.push_back(std::string(sev) + ": " + text);
  std::fprintf(stderr, "[coil vulkan validation %s] %s\n", sev, text.c_str());
  return VK_FALSE;
}

VkDebugUtilsMessengerCreateInfoEXT messenger_info(MessageLog* log) {
  VkDebugUtilsMessengerCreateInfoEXT ci{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  ci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  ci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  ci.pfnUserCallback = on_message;
  ci.pUserData = log;
  return ci;
}

bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  return std::any_of(exts.begin(), exts.end(),
                     [&](const auto& e) { return std::strcmp(e.extensionName, name) == 0; });
}

std::vector<VkExtensionProperties> instance_extensions(const Fns& vk, const char* layer) {
  uint32_t n = 0;
  vk.EnumerateInstanceExtensionProperties(layer, &n, nullptr);
  std::vector<VkExtensionProperties> out(n);
  vk.EnumerateInstanceExtensionProperties(layer, &n, out.data());
  out.resize(n);
  return out;
}

std::vector<VkExtensionProperties> device_extensions(const Fns& vk, VkPhysicalDevice dev) {
  uint32_t n = 0;
  vk.EnumerateDeviceExtensionProperties(dev, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> out(n);
  vk.EnumerateDeviceExtensionProperties(dev, nullptr, &n, out.data());
  out.resize(n);
  return out;
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

std::string gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(1ull << 30));
  return buf;
}

int rank(const PhysicalDevice& d) {
  switch (d.type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 4;
    default:
      return 3;
  }
}

std::string device_list(const std::vector<PhysicalDevice>& devs) {
  std::string s;
  for (const auto& d : devs) s += (s.empty() ? "" : "; ") + std::to_string(d.index) + ": " + d.name;
  return s;
}

std::string cpu_refusal(const PhysicalDevice& d) {
  return "Vulkan: " + d.name +
         " is a CPU implementation of Vulkan (such as Mesa's lavapipe), not a GPU; it is not "
         "used unless asked for by name (--backend vulkan)";
}

}  // namespace

std::vector<std::string> MessageLog::take_new() {
  std::lock_guard lock(mu);
  std::vector<std::string> out(messages.begin() + reported, messages.end());
  reported = messages.size();
  return out;
}

Instance::Instance(bool validation_requested) {
  vk.load_global();
  uint32_t loader_version = VK_API_VERSION_1_0;
  if (vk.EnumerateInstanceVersion) vk.EnumerateInstanceVersion(&loader_version);
  if (loader_version < VK_API_VERSION_1_1)
    throw Error("Vulkan: the Vulkan loader supports Vulkan " + version_string(loader_version) +
                " only; Coil needs 1.1 or newer");

  std::vector<const char*> layers, exts;
  const auto available = instance_extensions(vk, nullptr);
  VkInstanceCreateFlags flags = 0;
  if (has_extension(available, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
    exts.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }

  validation = validation_requested;
  VkDebugUtilsMessengerCreateInfoEXT dbg = messenger_info(log.get());
  VkValidationFeatureEnableEXT enables[] = {
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  const void* next = nullptr;
  if (validation) {
    uint32_t n = 0;
    vk.EnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> props(n);
    vk.EnumerateInstanceLayerProperties(&n, props.data());
    const bool have_layer = std::any_of(props.begin(), props.begin() + n, [](const auto& p) {
      return std::strcmp(p.layerName, kValidationLayer) == 0;
    });
    if (!have_layer)
      throw Error(
          "Vulkan: validation was requested (COIL_VULKAN_VALIDATION=1) but the validation layer "
          "VK_LAYER_KHRONOS_validation "
          "is not installed (Debian: vulkan-validationlayers)");
    layers.push_back(kValidationLayer);
    const auto layer_exts = instance_extensions(vk, kValidationLayer);
    if (!has_extension(available, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) &&
        !has_extension(layer_exts, VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
      throw Error(
          "Vulkan: validation was requested (COIL_VULKAN_VALIDATION=1) but VK_EXT_debug_utils is "
          "not available");
    exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    next = &dbg;
    if (has_extension(layer_exts, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      exts.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      features.enabledValidationFeatureCount = 1;
      features.pEnabledValidationFeatures = enables;
      dbg.pNext = &features;
    }
  }

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "Coil";
  app.pEngineName = "coil";
  app.apiVersion = api_version = std::min<uint32_t>(loader_version, VK_API_VERSION_1_3);
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pNext = next;
  ci.flags = flags;
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
  ci.ppEnabledExtensionNames = exts.data();
  const VkResult r = vk.CreateInstance(&ci, nullptr, &handle);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw Error(
        "Vulkan: no Vulkan driver is installed (vkCreateInstance: "
        "VK_ERROR_INCOMPATIBLE_DRIVER)");
  check(r, "vkCreateInstance", "");
  try {
    vk.load_instance(handle, validation);
    if (validation) {
      VkDebugUtilsMessengerCreateInfoEXT mi = messenger_info(log.get());
      check(vk.CreateDebugUtilsMessengerEXT(handle, &mi, nullptr, &messenger_),
            "vkCreateDebugUtilsMessengerEXT", "");
      check_messenger();
    }
  } catch (...) {
    if (messenger_) vk.DestroyDebugUtilsMessengerEXT(handle, messenger_, nullptr);
    vk.DestroyInstance(handle, nullptr);
    throw;
  }
}

// Sends a marker message through the messenger and checks it arrives, so that "validation
// on" can never silently mean "nobody listening".
void Instance::check_messenger() {
  VkDebugUtilsMessengerCallbackDataEXT data{
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT};
  data.pMessageIdName = "coil";
  data.pMessage = kSelfTestMarker;
  vk.SubmitDebugUtilsMessageEXT(handle, VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
                                VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT, &data);
  std::lock_guard lock(log->mu);
  if (!log->selftest_seen)
    throw Error(
        "Vulkan: validation was requested (COIL_VULKAN_VALIDATION=1) but the debug messenger "
        "receives nothing");
}

Instance::~Instance() {
  if (messenger_) vk.DestroyDebugUtilsMessengerEXT(handle, messenger_, nullptr);
  vk.DestroyInstance(handle, nullptr);
  if (validation) {
    const auto late = log->take_new();
    if (!late.empty()) {
      std::fprintf(stderr, "coil: %zu Vulkan validation message(s) at teardown; aborting\n",
                   late.size());
      std::abort();
    }
  }
}

std::vector<PhysicalDevice> Instance::devices() const {
  uint32_t n = 0;
  check(vk.EnumeratePhysicalDevices(handle, &n, nullptr), "vkEnumeratePhysicalDevices", "");
  std::vector<VkPhysicalDevice> handles(n);
  VkResult r = vk.EnumeratePhysicalDevices(handle, &n, handles.data());
  if (r != VK_INCOMPLETE) check(r, "vkEnumeratePhysicalDevices", "");
  handles.resize(n);

  std::vector<PhysicalDevice> out;
  for (uint32_t i = 0; i < n; ++i) {
    PhysicalDevice d;
    d.handle = handles[i];
    d.index = static_cast<int>(i);
    VkPhysicalDeviceProperties base;
    vk.GetPhysicalDeviceProperties(d.handle, &base);
    d.api_version = base.apiVersion;
    d.name = base.deviceName;
    d.type = base.deviceType;
    d.limits = base.limits;
    // What this device offers through this instance: the lower of the two versions.
    const uint32_t api = std::min(d.api_version, api_version);
    if (api >= VK_API_VERSION_1_1) {
      const bool size_control =
          api >= VK_API_VERSION_1_3 || has_extension(device_extensions(vk, d.handle),
                                                     VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
      VkPhysicalDeviceSubgroupProperties sg{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
      VkPhysicalDeviceMaintenance3Properties m3{
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
      VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
      VkPhysicalDeviceSubgroupSizeControlProperties ssp{
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
      VkPhysicalDeviceMaintenance4Properties m4{
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES};
      VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
      auto chain = [&](auto& s) {
        s.pNext = p2.pNext;
        p2.pNext = &s;
      };
      chain(sg);
      chain(m3);
      if (api >= VK_API_VERSION_1_2) chain(drv);
      if (size_control) chain(ssp);
      if (api >= VK_API_VERSION_1_3) chain(m4);
      vk.GetPhysicalDeviceProperties2(d.handle, &p2);
      d.subgroup_size = sg.subgroupSize;
      d.min_subgroup_size = d.max_subgroup_size = sg.subgroupSize;
      if (size_control) {
        VkPhysicalDeviceSubgroupSizeControlFeatures ssf{
            VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
        VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        f2.pNext = &ssf;
        vk.GetPhysicalDeviceFeatures2(d.handle, &f2);
        d.min_subgroup_size = ssp.minSubgroupSize;
        d.max_subgroup_size = ssp.maxSubgroupSize;
        d.max_workgroup_subgroups = ssp.maxComputeWorkgroupSubgroups;
        d.require_subgroup_size = ssf.subgroupSizeControl &&
                                  (ssp.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
        d.full_subgroups = ssf.computeFullSubgroups;
        d.size_control_ext = api < VK_API_VERSION_1_3;
      }
      const bool compute = sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
      d.subgroup_arithmetic =
          compute && (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
      d.subgroup_shuffle = compute && (sg.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
      d.max_allocation = m3.maxMemoryAllocationSize;
      d.max_buffer = m4.maxBufferSize;  // 0 below Vulkan 1.3
      if (api >= VK_API_VERSION_1_2) d.driver = std::string(drv.driverName) + " " + drv.driverInfo;
    }
    if (d.driver.empty()) d.driver = "driver " + std::to_string(base.driverVersion);
    vk.GetPhysicalDeviceMemoryProperties(d.handle, &d.memory);
    for (uint32_t h = 0; h < d.memory.memoryHeapCount; ++h)
      if (d.memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
        d.local_memory = std::max<uint64_t>(d.local_memory, d.memory.memoryHeaps[h].size);
    if (d.max_allocation == 0) d.max_allocation = d.local_memory;
    if (d.max_buffer > 0) d.max_allocation = std::min(d.max_allocation, d.max_buffer);

    uint32_t nq = 0;
    vk.GetPhysicalDeviceQueueFamilyProperties(d.handle, &nq, nullptr);
    std::vector<VkQueueFamilyProperties> qs(nq);
    vk.GetPhysicalDeviceQueueFamilyProperties(d.handle, &nq, qs.data());
    for (uint32_t q = 0; q < nq; ++q)
      if (qs[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        d.compute_family = static_cast<int>(q);
        d.timestamp_bits = qs[q].timestampValidBits;
        break;
      }
    out.push_back(std::move(d));
  }
  return out;
}

const char* PhysicalDevice::type_name() const {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "CPU (software Vulkan)";
    default:
      return "other";
  }
}

std::string PhysicalDevice::describe() const {
  std::string s = name + ", " + type_name() + ", " + gib(local_memory) + ", subgroup " +
                  std::to_string(subgroup_size) + ", " + driver + ", Vulkan " +
                  version_string(api_version);
  const std::string why = unusable_reason();
  if (!why.empty()) s += " (unusable: " + why + ")";
  return s;
}

std::string PhysicalDevice::unusable_reason() const {
  if (api_version < VK_API_VERSION_1_1)
    return "supports Vulkan " + version_string(api_version) + " only, Coil needs 1.1";
  if (compute_family < 0) return "has no compute queue";
  if (limits.maxPerStageDescriptorStorageBuffers < 10)
    return "allows only " + std::to_string(limits.maxPerStageDescriptorStorageBuffers) +
           " storage buffers per shader, Coil needs 10";
  if (limits.maxComputeWorkGroupInvocations < 256 || limits.maxComputeWorkGroupSize[0] < 256)
    return "allows fewer than 256 invocations per workgroup";
  if (limits.maxComputeSharedMemorySize < 16384) return "has less than 16 KiB of shared memory";
  return {};
}

const PhysicalDevice& choose_device(const std::vector<PhysicalDevice>& devs,
                                    const BackendOptions& opts) {
  if (devs.empty())
    throw Error(
        "Vulkan: no Vulkan device found (no driver reports one; install the GPU's "
        "Vulkan driver, or mesa-vulkan-drivers for a CPU implementation)");
  if (opts.device >= 0) {
    if (static_cast<size_t>(opts.device) >= devs.size())
      throw Error("Vulkan: there is no device " + std::to_string(opts.device) +
                  "; this machine has " + std::to_string(devs.size()) + " Vulkan device" +
                  (devs.size() == 1 ? "" : "s") + " (" + device_list(devs) + ")");
    const PhysicalDevice& d = devs[opts.device];
    const std::string why = d.unusable_reason();
    if (!why.empty()) throw Error("Vulkan: " + d.name + " cannot run Coil: " + why);
    if (!opts.allow_cpu_device && d.is_cpu()) throw Error(cpu_refusal(d));
    return d;
  }
  const PhysicalDevice* best = nullptr;
  std::string reasons;
  for (const auto& d : devs) {
    const std::string why = d.unusable_reason();
    if (!why.empty()) {
      reasons += (reasons.empty() ? "" : "; ") + d.name + ": " + why;
      continue;
    }
    if (!best || rank(d) < rank(*best)) best = &d;
  }
  if (!best) throw Error("Vulkan: no usable device (" + reasons + ")");
  if (!opts.allow_cpu_device && best->is_cpu()) throw Error(cpu_refusal(*best));
  return *best;
}

}  // namespace coil::vk
