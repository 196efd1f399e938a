// Records one compute dispatch: binds tensors (whole buffers, so offsets need no
// alignment; the element offset of each view goes in the push constants), inserts the
// barriers the stream's hazard tracking asks for, pushes constants and dispatches.
#pragma once
#include <cstdint>

#include "coil/backend.hpp"
#include "vk_descriptors.hpp"
#include "vk_pipelines.hpp"
#include "vk_stream.hpp"

namespace coil::vk {

class VulkanBackend;

class Dispatch {
 public:
  Dispatch(VulkanBackend& be, Kernel k, const Spec& spec = {});

  // Binds `t` to the next binding; returns the index of its first element within the
  // binding, in units of its dtype (bytes for a block type). A null `t` binds a placeholder (the
  // shader must not touch it; say so with a flag in the push constants).
  uint32_t bind(const Tensor& t, Access access);
  uint32_t bind(const Tensor* t, Access access);

  template <typename Push>
  void run(const Push& push, uint32_t gx, uint32_t gy = 1, uint32_t gz = 1) {
    static_assert(sizeof(Push) <= kPushConstantBytes);
    run_raw(&push, sizeof(Push), gx, gy, gz);
  }

 private:
  void run_raw(const void* push, uint32_t bytes, uint32_t gx, uint32_t gy, uint32_t gz);

  VulkanBackend& be_;
  const Pipeline& pipeline_;
  Binding bindings_[kMaxBindings];
  Use uses_[kMaxBindings];
  uint32_t n_ = 0;
};

// The largest tensor span (bytes) that one binding is sure to hold on this device.
size_t max_view_bytes(const Context& ctx);

// Shader code of a weight dtype (common.glsl: DT_F32, DT_F16, DT_BF16; quant.glsl: DT_Q8_0 ..).
uint32_t dtype_code(DType d);

// Splits `groups` workgroups into an x * y grid within the device's x limit.
void grid_2d(uint64_t groups, uint32_t max_x, uint32_t* gx, uint32_t* gy);

}  // namespace coil::vk
