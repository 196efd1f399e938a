// Descriptor sets, created once per distinct combination of bound buffers and cached, so
// that recording an op (and replaying a recorded graph) never allocates or updates one.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vk_api.hpp"

namespace coil::vk {

constexpr uint32_t kMaxBindings = 11;  // proj_scan's operands
constexpr uint32_t kPushConstantBytes = 128;

// One storage-buffer binding: a range of a buffer (the whole buffer unless it is larger
// than maxStorageBufferRange).
struct Binding {
  uint64_t id = 0;  // the buffer's unique id (handles can be reused after destruction)
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0, range = VK_WHOLE_SIZE;
};

class Descriptors {
 public:
  Descriptors(const Fns& vk, VkDevice device, std::string device_name);
  ~Descriptors();
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;

  // Layout of a pipeline with bindings 0..n-1 (storage buffers) and 128 bytes of push
  // constants.
  VkPipelineLayout pipeline_layout(uint32_t n);
  VkDescriptorSet get(const Binding* b, uint32_t n);
  // Forgets every set that binds buffer `id`; the returned function frees them (to be run
  // once no command buffer in flight uses them).
  std::function<void()> evict(uint64_t id);

 private:
  using Key = std::array<uint64_t, 1 + 3 * kMaxBindings>;
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    VkDescriptorSet set;
    VkDescriptorPool pool;
  };
  VkDescriptorSetLayout set_layout(uint32_t n);
  Entry allocate(uint32_t n);

  const Fns& vk_;
  VkDevice device_;
  std::string name_;
  std::mutex mu_;
  std::array<VkDescriptorSetLayout, kMaxBindings + 1> set_layouts_{};
  std::array<VkPipelineLayout, kMaxBindings + 1> layouts_{};
  std::vector<VkDescriptorPool> pools_;
  std::unordered_map<Key, Entry, KeyHash> cache_;
  std::unordered_map<uint64_t, std::vector<Key>> by_buffer_;
};

}  // namespace coil::vk
