// A Vulkan instance (with the validation layer when BackendOptions::vulkan_validation) and the
// compute-capable devices it sees.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "vk_api.hpp"

namespace coil::vk {

// What the validation layer said. Every warning or error is kept; the backend turns any
// message into an error at its next synchronization point.
struct MessageLog {
  std::mutex mu;
  std::vector<std::string> messages;
  size_t reported = 0;
  bool selftest_seen = false;
  // Messages not yet turned into an error.
  std::vector<std::string> take_new();
};

struct PhysicalDevice {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  int index = 0;
  std::string name, driver;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t api_version = 0;
  VkPhysicalDeviceLimits limits{};
  VkPhysicalDeviceMemoryProperties memory{};
  uint64_t local_memory = 0;    // largest device-local heap
  uint64_t max_allocation = 0;  // maxMemoryAllocationSize, and at most max_buffer
  uint64_t max_buffer = 0;      // maxBufferSize (Vulkan 1.3), 0 where not known
  uint32_t subgroup_size = 0;
  bool subgroup_arithmetic = false;  // subgroupAdd in compute shaders
  bool subgroup_shuffle = false;     // subgroupShuffleXor in compute shaders
  // Subgroup size control (Vulkan 1.3 or VK_EXT_subgroup_size_control). A compute shader
  // may run with any subgroup size in [min, max] (Intel: 8 to 32) while gl_SubgroupSize
  // says subgroup_size, unless the pipeline requires a size; min == max == subgroup_size
  // where the driver does not say.
  uint32_t min_subgroup_size = 0, max_subgroup_size = 0;
  uint32_t max_workgroup_subgroups = 0;  // maxComputeWorkgroupSubgroups
  bool require_subgroup_size = false;    // subgroupSizeControl, for compute shaders
  bool full_subgroups = false;           // computeFullSubgroups
  bool size_control_ext = false;         // the above need VK_EXT_subgroup_size_control enabled
  int compute_family = -1;
  uint32_t timestamp_bits = 0;

  bool is_cpu() const { return type == VK_PHYSICAL_DEVICE_TYPE_CPU; }
  const char* type_name() const;
  // One line: name, type, memory, subgroup size, driver, API version.
  std::string describe() const;
  // Empty when Coil can run on it, else why not.
  std::string unusable_reason() const;
};

class Instance {
 public:
  // With the validation layer and its debug messenger when `validation_requested`
  // (BackendOptions::vulkan_validation). Throws coil::Error naming the reason (no loader, no
  // driver, ...).
  explicit Instance(bool validation_requested = false);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Fns vk;
  VkInstance handle = VK_NULL_HANDLE;
  uint32_t api_version = 0;  // the instance's (devices are used up to the lower of the two)
  bool validation = false;
  std::shared_ptr<MessageLog> log = std::make_shared<MessageLog>();

  std::vector<PhysicalDevice> devices() const;

 private:
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  void check_messenger();
};

// The device BackendOptions ask for; throws a clear error when there is none to use.
const PhysicalDevice& choose_device(const std::vector<PhysicalDevice>& devs,
                                    const BackendOptions& opts);

}  // namespace coil::vk
