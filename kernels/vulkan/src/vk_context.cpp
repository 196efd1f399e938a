#include "vk_context.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "coil/error.hpp"
#include "vk_descriptors.hpp"

namespace coil::vk {
namespace {

std::string mib(uint64_t bytes) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1 << 20));
  return buf;
}

}  // namespace

Context::Context(const BackendOptions& opts)
    : instance(std::make_unique<Instance>(opts.vulkan_validation)) {
  vk = instance->vk;
  const auto devs = instance->devices();
  phys = choose_device(devs, opts);

  const float priority = 1.f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = static_cast<uint32_t>(phys.compute_family);
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  VkPhysicalDeviceSubgroupSizeControlFeatures ssf{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  const char* ssc_ext = VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME;
  if (phys.require_subgroup_size || phys.full_subgroups) {
    ssf.subgroupSizeControl = phys.require_subgroup_size;
    ssf.computeFullSubgroups = phys.full_subgroups;
    di.pNext = &ssf;
    if (phys.size_control_ext) {
      di.enabledExtensionCount = 1;
      di.ppEnabledExtensionNames = &ssc_ext;
    }
  }
  check(vk.CreateDevice(phys.handle, &di, nullptr, &device), "vkCreateDevice", phys.name);
  try {
    vk.load_device(device);
    vk.GetDeviceQueue(device, qi.queueFamilyIndex, 0, &queue);
    VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pi.queueFamilyIndex = qi.queueFamilyIndex;
    check(vk.CreateCommandPool(device, &pi, nullptr, &pool), "vkCreateCommandPool", phys.name);
    descriptors = std::make_unique<Descriptors>(vk, device, phys.name);
  } catch (...) {
    if (pool) vk.DestroyCommandPool(device, pool, nullptr);
    vk.DestroyDevice(device, nullptr);
    throw;
  }
  // BackendOptions::vulkan_subgroups false forces the shared-memory fallbacks (tests use it).
  const bool no_sg = !opts.vulkan_subgroups;
  subgroups =
      !no_sg && phys.subgroup_arithmetic && phys.subgroup_shuffle && phys.subgroup_size >= 4;
  // The subgroup shaders (workgroups of 128 and 256 invocations) take gl_SubgroupSize as
  // the size they run with and lay subgroups out by gl_SubgroupSize. A device that may run
  // a shader with another size (Intel: 8, 16 or 32 lanes, while gl_SubgroupSize says 32)
  // must be told to use that one, else the shared-memory fallbacks are used.
  constexpr uint32_t kMinGroup = 128, kMaxGroup = 256;
  const uint32_t size = phys.subgroup_size;
  if (subgroups && phys.min_subgroup_size != phys.max_subgroup_size) {
    if (phys.require_subgroup_size && size >= phys.min_subgroup_size &&
        size <= phys.max_subgroup_size &&
        kMaxGroup <= uint64_t(size) * phys.max_workgroup_subgroups)
      required_subgroup_size = size;
    else
      subgroups = false;
  }
  // and with every subgroup full, where the driver can promise it
  full_subgroups = subgroups && phys.full_subgroups && kMinGroup % size == 0;
}

Context::~Context() {
  vk.DeviceWaitIdle(device);
  busy_ = false;
  collect_garbage();
  descriptors.reset();
  vk.DestroyCommandPool(device, pool, nullptr);
  vk.DestroyDevice(device, nullptr);
  if (instance->validation) {
    const auto msgs = instance->log->take_new();
    if (!msgs.empty()) {
      std::fprintf(stderr, "coil: %zu unreported Vulkan validation message(s); aborting\n",
                   msgs.size());
      std::abort();
    }
  }
  instance.reset();
}

uint32_t Context::memory_type(uint32_t bits, MemoryKind kind, bool* coherent) const {
  const auto& mp = phys.memory;
  auto find = [&](VkMemoryPropertyFlags want) -> int {
    for (uint32_t i = 0; i < mp.memoryTypeCount; ++i)
      if ((bits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want) return int(i);
    return -1;
  };
  const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
                              hc = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                              cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  int t = -1;
  switch (kind) {
    case MemoryKind::Device:
      t = find(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      if (t < 0) t = find(0);
      break;
    case MemoryKind::Upload:
      t = find(hv | hc);
      break;
    case MemoryKind::Readback:
      t = find(hv | hc | cached);
      if (t < 0) t = find(hv | cached);
      if (t < 0) t = find(hv | hc);
      break;
  }
  if (t < 0) throw Error("Vulkan: " + phys.name + " has no suitable memory type");
  *coherent = mp.memoryTypes[t].propertyFlags & hc;
  return static_cast<uint32_t>(t);
}

RawBuffer Context::create_buffer(VkDeviceSize bytes, MemoryKind kind) {
  RawBuffer b;
  b.size = std::max<VkDeviceSize>(16, (bytes + 15) / 16 * 16);
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = b.size;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  switch (kind) {
    case MemoryKind::Device:
      bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT;
      break;
    case MemoryKind::Upload:
      bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
      break;
    case MemoryKind::Readback:
      bi.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
      break;
  }
  const std::string what = "cannot allocate " + mib(bytes) + " on " + phys.name;
  const uint64_t in_use = allocated_;
  if (b.size > phys.local_memory && kind == MemoryKind::Device)
    throw Error("Vulkan: out of device memory: " + what + ", which has " + mib(phys.local_memory) +
                " in all");
  if (b.size > phys.max_allocation)
    throw Error("Vulkan: " + what +
                ": larger than the largest single buffer or allocation its driver "
                "allows (" +
                mib(phys.max_allocation) + ")");
  VkResult r = vk.CreateBuffer(device, &bi, nullptr, &b.buffer);
  if (r != VK_SUCCESS) throw Error("Vulkan: " + what + ": vkCreateBuffer: " + result_name(r));
  VkMemoryRequirements req;
  vk.GetBufferMemoryRequirements(device, b.buffer, &req);
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  try {
    ai.memoryTypeIndex = memory_type(req.memoryTypeBits, kind, &b.coherent);
  } catch (...) {
    vk.DestroyBuffer(device, b.buffer, nullptr);
    throw;
  }
  const auto& heap = phys.memory.memoryHeaps[phys.memory.memoryTypes[ai.memoryTypeIndex].heapIndex];
  r = req.size > heap.size ? VK_ERROR_OUT_OF_DEVICE_MEMORY
                           : vk.AllocateMemory(device, &ai, nullptr, &b.memory);
  if (r == VK_SUCCESS) r = vk.BindBufferMemory(device, b.buffer, b.memory, 0);
  if (r == VK_SUCCESS && kind != MemoryKind::Device)
    r = vk.MapMemory(device, b.memory, 0, VK_WHOLE_SIZE, 0, reinterpret_cast<void**>(&b.mapped));
  if (r != VK_SUCCESS) {
    if (b.memory) vk.FreeMemory(device, b.memory, nullptr);
    vk.DestroyBuffer(device, b.buffer, nullptr);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw Error("Vulkan: out of device memory: " + what + " (" + mib(in_use) +
                  " already in use by Coil, " + mib(heap.size) + " in the heap; " + result_name(r) +
                  ")");
    throw Error("Vulkan: " + what + ": " + result_name(r));
  }
  return b;
}

void Context::destroy_buffer(const RawBuffer& b) {
  if (b.mapped) vk.UnmapMemory(device, b.memory);
  vk.DestroyBuffer(device, b.buffer, nullptr);
  vk.FreeMemory(device, b.memory, nullptr);
}

void Context::release(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (busy_) {
      garbage_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void Context::set_busy(bool busy) {
  std::lock_guard lock(mu_);
  busy_ = busy;
}

void Context::collect_garbage() {
  std::vector<std::function<void()>> g;
  {
    std::lock_guard lock(mu_);
    if (busy_) return;
    g.swap(garbage_);
  }
  for (auto& fn : g) fn();
}

void Context::check_validation() {
  if (!instance->validation) return;
  const auto msgs = instance->log->take_new();
  if (msgs.empty()) return;
  std::string text = "Vulkan validation reported " + std::to_string(msgs.size()) +
                     " message(s) on " + phys.name + ": " + msgs.front();
  if (text.size() > 4000) text.resize(4000);
  throw Error(text);
}

void Context::count_alloc(size_t bytes) {
  std::lock_guard lock(mu_);
  allocated_ += bytes;
  peak_ = std::max(peak_, allocated_);
}

void Context::count_free(size_t bytes) {
  std::lock_guard lock(mu_);
  allocated_ -= bytes;
}

}  // namespace coil::vk
