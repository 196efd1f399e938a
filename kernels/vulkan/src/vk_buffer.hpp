// coil::Buffer on a Vulkan device: one VkBuffer with its own device-local memory.
#pragma once
#include <memory>

#include "coil/backend.hpp"
#include "vk_context.hpp"

namespace coil::vk {

class DeviceBuffer final : public Buffer {
 public:
  // `counted`: include in allocated_bytes() (tensors are; internal scratch is not).
  DeviceBuffer(std::shared_ptr<Context> ctx, size_t bytes, bool counted = true);
  ~DeviceBuffer() override;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  size_t size() const override { return bytes_; }
  uint64_t id() const { return id_; }
  VkBuffer handle() const { return raw_.buffer; }
  VkDeviceSize vk_size() const { return raw_.size; }
  const Context* context() const { return ctx_.get(); }

 private:
  std::shared_ptr<Context> ctx_;
  RawBuffer raw_;
  size_t bytes_;
  uint64_t id_;
  bool counted_;
};

// The device buffer behind a tensor of this context; throws if it belongs elsewhere.
DeviceBuffer& device_buffer(const Tensor& t, const Context& ctx);

}  // namespace coil::vk
