// The Vulkan entry points Coil uses, loaded at run time from the system loader
// (libvulkan.so.1) so that a machine without Vulkan still runs Coil on the CPU.
#pragma once
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <string>

namespace coil::vk {

// Entry points that need no instance.
#define COIL_VK_GLOBAL_FNS(X)             \
  X(EnumerateInstanceVersion)             \
  X(EnumerateInstanceLayerProperties)     \
  X(EnumerateInstanceExtensionProperties) \
  X(CreateInstance)

#define COIL_VK_INSTANCE_FNS(X)             \
  X(DestroyInstance)                        \
  X(EnumeratePhysicalDevices)               \
  X(GetPhysicalDeviceProperties)            \
  X(GetPhysicalDeviceProperties2)           \
  X(GetPhysicalDeviceFeatures2)             \
  X(GetPhysicalDeviceMemoryProperties)      \
  X(GetPhysicalDeviceQueueFamilyProperties) \
  X(EnumerateDeviceExtensionProperties)     \
  X(CreateDevice)                           \
  X(GetDeviceProcAddr)

// From VK_EXT_debug_utils, present only when validation is on.
#define COIL_VK_DEBUG_FNS(X)       \
  X(CreateDebugUtilsMessengerEXT)  \
  X(DestroyDebugUtilsMessengerEXT) \
  X(SubmitDebugUtilsMessageEXT)

#define COIL_VK_DEVICE_FNS(X)     \
  X(DestroyDevice)                \
  X(GetDeviceQueue)               \
  X(DeviceWaitIdle)               \
  X(QueueSubmit)                  \
  X(QueueWaitIdle)                \
  X(CreateBuffer)                 \
  X(DestroyBuffer)                \
  X(GetBufferMemoryRequirements)  \
  X(AllocateMemory)               \
  X(FreeMemory)                   \
  X(BindBufferMemory)             \
  X(MapMemory)                    \
  X(UnmapMemory)                  \
  X(InvalidateMappedMemoryRanges) \
  X(CreateShaderModule)           \
  X(DestroyShaderModule)          \
  X(CreateDescriptorSetLayout)    \
  X(DestroyDescriptorSetLayout)   \
  X(CreatePipelineLayout)         \
  X(DestroyPipelineLayout)        \
  X(CreateComputePipelines)       \
  X(DestroyPipeline)              \
  X(CreateDescriptorPool)         \
  X(DestroyDescriptorPool)        \
  X(AllocateDescriptorSets)       \
  X(FreeDescriptorSets)           \
  X(UpdateDescriptorSets)         \
  X(CreateCommandPool)            \
  X(DestroyCommandPool)           \
  X(AllocateCommandBuffers)       \
  X(FreeCommandBuffers)           \
  X(BeginCommandBuffer)           \
  X(EndCommandBuffer)             \
  X(ResetCommandBuffer)           \
  X(CmdBindPipeline)              \
  X(CmdBindDescriptorSets)        \
  X(CmdPushConstants)             \
  X(CmdDispatch)                  \
  X(CmdPipelineBarrier)           \
  X(CmdCopyBuffer)                \
  X(CmdFillBuffer)                \
  X(CmdWriteTimestamp)            \
  X(CmdResetQueryPool)            \
  X(CreateQueryPool)              \
  X(DestroyQueryPool)             \
  X(GetQueryPoolResults)          \
  X(CreateFence)                  \
  X(DestroyFence)                 \
  X(WaitForFences)                \
  X(ResetFences)

#define COIL_VK_DECLARE(name) PFN_vk##name name = nullptr;

// One table per instance/device (entry points may differ between drivers).
struct Fns {
  PFN_vkGetInstanceProcAddr GetInstanceProcAddr = nullptr;
  COIL_VK_GLOBAL_FNS(COIL_VK_DECLARE)
  COIL_VK_INSTANCE_FNS(COIL_VK_DECLARE)
  COIL_VK_DEBUG_FNS(COIL_VK_DECLARE)
  COIL_VK_DEVICE_FNS(COIL_VK_DECLARE)

  // Opens the loader (once per process) and fills the global entry points; throws
  // coil::Error("Vulkan: no Vulkan loader ...") when there is none.
  void load_global();
  void load_instance(VkInstance instance, bool debug_utils);
  void load_device(VkDevice device);
};

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and the like.
const char* result_name(VkResult r);

// Throws coil::Error("Vulkan: <what> failed on <device>: <result>") unless r == VK_SUCCESS.
void check(VkResult r, const char* what, const std::string& device);

}  // namespace coil::vk
