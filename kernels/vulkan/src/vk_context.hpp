// The logical device Coil runs on, shared (std::shared_ptr) by the backend, its buffers and
// its graphs so that it outlives the last of them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "vk_api.hpp"
#include "vk_instance.hpp"

namespace coil::vk {

class Descriptors;

struct RawBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  char* mapped = nullptr;  // host-visible kinds only
  bool coherent = true;
};

enum class MemoryKind {
  Device,    // device-local storage buffer (tensors)
  Upload,    // host-visible, coherent: the staging ring
  Readback,  // host-visible, cached where possible: the download ring
};

class Context {
 public:
  explicit Context(const BackendOptions& opts);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const std::string& name() const { return phys.name; }

  // A buffer with its own memory; throws coil::Error naming the device and the reason
  // (out of device memory, larger than the driver allows, ...).
  RawBuffer create_buffer(VkDeviceSize bytes, MemoryKind kind);
  void destroy_buffer(const RawBuffer& b);

  // Runs `fn` (a release of Vulkan objects) now, or once the stream is idle when work that
  // may use them is recorded or in flight.
  void release(std::function<void()> fn);
  void set_busy(bool busy);
  void collect_garbage();

  // Throws coil::Error if the validation layer reported anything since the last call.
  void check_validation();

  uint64_t new_buffer_id() { return ++last_buffer_id_; }
  void count_alloc(size_t bytes);
  void count_free(size_t bytes);
  size_t allocated() const { return allocated_; }
  size_t peak() const { return peak_; }

  std::unique_ptr<Instance> instance;
  Fns vk;  // the instance's entry points plus this device's
  PhysicalDevice phys;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool pool = VK_NULL_HANDLE;
  // Shaders may use subgroupAdd and subgroupShuffleXor (subgroups of 4 or more).
  bool subgroups = false;
  // How the subgroup shaders' pipelines are created: with this required subgroup size (0:
  // none needed, the device runs one size only) and/or with full subgroups.
  uint32_t required_subgroup_size = 0;
  bool full_subgroups = false;
  std::unique_ptr<Descriptors> descriptors;

 private:
  uint32_t memory_type(uint32_t bits, MemoryKind kind, bool* coherent) const;

  std::mutex mu_;
  bool busy_ = false;
  std::vector<std::function<void()>> garbage_;
  uint64_t last_buffer_id_ = 0;
  size_t allocated_ = 0, peak_ = 0;
};

}  // namespace coil::vk
