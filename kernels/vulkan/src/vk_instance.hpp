// A Vulkan instance (with the validation layer when COIL_VULKAN_VALIDATION=1) and the
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
  uint64_t max_allocation = 0;  // maxMemoryAllocationSize
  uint32_t subgroup_size = 0;
  bool subgroup_arithmetic = false;  // subgroupAdd in compute shaders
  bool subgroup_shuffle = false;     // subgroupShuffleXor in compute shaders
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
  Instance();  // throws coil::Error naming the reason (no loader, no driver, ...)
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Fns vk;
  VkInstance handle = VK_NULL_HANDLE;
  bool validation = false;
  std::shared_ptr<MessageLog> log = std::make_shared<MessageLog>();

  std::vector<PhysicalDevice> devices() const;

 private:
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  void check_messenger();
};

// True when COIL_VULKAN_VALIDATION=1.
bool validation_requested();

// The device BackendOptions ask for; throws a clear error when there is none to use.
const PhysicalDevice& choose_device(const std::vector<PhysicalDevice>& devs,
                                    const BackendOptions& opts);

}  // namespace coil::vk
