#include "vk_descriptors.hpp"

#include <algorithm>

#include "coil/error.hpp"

namespace coil::vk {
namespace {
constexpr uint32_t kSetsPerPool = 512;
}

size_t Descriptors::KeyHash::operator()(const Key& k) const {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v : k) h = (h ^ v) * 1099511628211ull;
  return static_cast<size_t>(h);
}

Descriptors::Descriptors(const Fns& vk, VkDevice device, std::string device_name)
    : vk_(vk), device_(device), name_(std::move(device_name)) {}

Descriptors::~Descriptors() {
  for (auto p : pools_) vk_.DestroyDescriptorPool(device_, p, nullptr);
  for (auto l : layouts_)
    if (l) vk_.DestroyPipelineLayout(device_, l, nullptr);
  for (auto l : set_layouts_)
    if (l) vk_.DestroyDescriptorSetLayout(device_, l, nullptr);
}

VkDescriptorSetLayout Descriptors::set_layout(uint32_t n) {
  if (set_layouts_[n]) return set_layouts_[n];
  std::array<VkDescriptorSetLayoutBinding, kMaxBindings> b{};
  for (uint32_t i = 0; i < n; ++i) {
    b[i].binding = i;
    b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    b[i].descriptorCount = 1;
    b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  ci.bindingCount = n;
  ci.pBindings = b.data();
  check(vk_.CreateDescriptorSetLayout(device_, &ci, nullptr, &set_layouts_[n]),
        "vkCreateDescriptorSetLayout", name_);
  return set_layouts_[n];
}

VkPipelineLayout Descriptors::pipeline_layout(uint32_t n) {
  std::lock_guard lock(mu_);
  if (n == 0 || n > kMaxBindings) throw Error("internal: Vulkan pipeline with bad binding count");
  if (layouts_[n]) return layouts_[n];
  VkDescriptorSetLayout sl = set_layout(n);
  VkPushConstantRange pc{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  VkPipelineLayoutCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  ci.setLayoutCount = 1;
  ci.pSetLayouts = &sl;
  ci.pushConstantRangeCount = 1;
  ci.pPushConstantRanges = &pc;
  check(vk_.CreatePipelineLayout(device_, &ci, nullptr, &layouts_[n]), "vkCreatePipelineLayout",
        name_);
  return layouts_[n];
}

Descriptors::Entry Descriptors::allocate(uint32_t n) {
  VkDescriptorSetLayout sl = set_layout(n);
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &sl;
  for (auto it = pools_.rbegin(); it != pools_.rend(); ++it) {
    ai.descriptorPool = *it;
    VkDescriptorSet set;
    const VkResult r = vk_.AllocateDescriptorSets(device_, &ai, &set);
    if (r == VK_SUCCESS) return {set, *it};
    if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL)
      check(r, "vkAllocateDescriptorSets", name_);
  }
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kMaxBindings};
  VkDescriptorPoolCreateInfo ci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  ci.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  ci.maxSets = kSetsPerPool;
  ci.poolSizeCount = 1;
  ci.pPoolSizes = &size;
  VkDescriptorPool pool;
  check(vk_.CreateDescriptorPool(device_, &ci, nullptr, &pool), "vkCreateDescriptorPool", name_);
  pools_.push_back(pool);
  ai.descriptorPool = pool;
  VkDescriptorSet set;
  check(vk_.AllocateDescriptorSets(device_, &ai, &set), "vkAllocateDescriptorSets", name_);
  return {set, pool};
}

VkDescriptorSet Descriptors::get(const Binding* b, uint32_t n) {
  Key key{};
  key[0] = n;
  for (uint32_t i = 0; i < n; ++i) {
    key[1 + 3 * i] = b[i].id;
    key[2 + 3 * i] = b[i].offset;
    key[3 + 3 * i] = b[i].range;
  }
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.set;

  Entry e = allocate(n);
  std::array<VkDescriptorBufferInfo, kMaxBindings> info{};
  std::array<VkWriteDescriptorSet, kMaxBindings> w{};
  for (uint32_t i = 0; i < n; ++i) {
    info[i] = {b[i].buffer, b[i].offset, b[i].range};
    w[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w[i].dstSet = e.set;
    w[i].dstBinding = i;
    w[i].descriptorCount = 1;
    w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w[i].pBufferInfo = &info[i];
  }
  vk_.UpdateDescriptorSets(device_, n, w.data(), 0, nullptr);
  cache_.emplace(key, e);
  for (uint32_t i = 0; i < n; ++i) {
    auto& keys = by_buffer_[b[i].id];
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return e.set;
}

std::function<void()> Descriptors::evict(uint64_t id) {
  std::vector<Entry> dead;
  {
    std::lock_guard lock(mu_);
    auto node = by_buffer_.extract(id);
    if (node.empty()) return {};
    for (const Key& key : node.mapped()) {
      auto it = cache_.find(key);
      if (it == cache_.end()) continue;
      dead.push_back(it->second);
      cache_.erase(it);
      for (uint32_t i = 0; i < key[0]; ++i) {  // drop the key from the other buffers' lists
        const uint64_t other = key[1 + 3 * i];
        if (other == id) continue;
        if (auto o = by_buffer_.find(other); o != by_buffer_.end()) std::erase(o->second, key);
      }
    }
  }
  if (dead.empty()) return {};
  return [this, dead = std::move(dead)] {
    for (const auto& e : dead) vk_.FreeDescriptorSets(device_, e.pool, 1, &e.set);
  };
}

}  // namespace coil::vk
