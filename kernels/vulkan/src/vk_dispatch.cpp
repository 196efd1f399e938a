#include "vk_dispatch.hpp"

#include <algorithm>

#include "coil/error.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

Dispatch::Dispatch(VulkanBackend& be, Kernel k, const Spec& spec)
    : be_(be), pipeline_(be.pipelines().get(k, spec)) {}

uint32_t Dispatch::bind(const Tensor* t, Access access) {
  return t ? bind(*t, access) : bind(be_.placeholder(), Access::Read);
}

uint32_t Dispatch::bind(const Tensor& t, Access access) {
  if (n_ >= pipeline_.bindings) throw Error("internal: too many Vulkan bindings");
  Context& ctx = be_.ctx();
  const DeviceBuffer& buf = device_buffer(t, ctx);
  const size_t es = dtype_is_quantized(t.dtype) ? 1 : dtype_size(t.dtype);
  const VkDeviceSize max_range = ctx.phys.limits.maxStorageBufferRange;
  Binding b{buf.id(), buf.handle(), 0, VK_WHOLE_SIZE};
  if (buf.vk_size() > max_range) {
    // Too large to bind whole: bind an aligned window holding the view.
    const VkDeviceSize align =
        std::max<VkDeviceSize>(16, ctx.phys.limits.minStorageBufferOffsetAlignment);
    b.offset = t.offset / align * align;
    b.range = std::min<VkDeviceSize>(max_range / align * align, buf.vk_size() - b.offset);
    if (t.offset + t.span_bytes() > b.offset + b.range)
      throw Error("Vulkan: a tensor of " + std::to_string(t.span_bytes() >> 20) +
                  " MiB is larger than " + ctx.name() + " can bind (maxStorageBufferRange " +
                  std::to_string(max_range >> 20) + " MiB)");
  }
  bindings_[n_] = b;
  uses_[n_] = {buf.id(), access};
  ++n_;
  return static_cast<uint32_t>((t.offset - b.offset) / es);
}

void Dispatch::run_raw(const void* push, uint32_t bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (n_ != pipeline_.bindings) throw Error("internal: Vulkan dispatch with missing bindings");
  if (gx == 0 || gy == 0 || gz == 0) return;
  Context& ctx = be_.ctx();
  const auto& lim = ctx.phys.limits.maxComputeWorkGroupCount;
  if (gx > lim[0] || gy > lim[1] || gz > lim[2])
    throw Error("internal: Vulkan dispatch larger than the device allows");
  VkDescriptorSet set = ctx.descriptors->get(bindings_, n_);
  Recorder& r = be_.stream().ops();
  r.before(ctx.vk, uses_, n_);
  const Fns& vk = ctx.vk;
  vk.CmdBindPipeline(r.cb(), VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_.pipeline);
  vk.CmdBindDescriptorSets(r.cb(), VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_.layout, 0, 1, &set, 0,
                           nullptr);
  vk.CmdPushConstants(r.cb(), pipeline_.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, bytes, push);
  vk.CmdDispatch(r.cb(), gx, gy, gz);
}

size_t max_view_bytes(const Context& ctx) {
  const VkDeviceSize align =
      std::max<VkDeviceSize>(16, ctx.phys.limits.minStorageBufferOffsetAlignment);
  return ctx.phys.limits.maxStorageBufferRange / align * align - align;
}

uint32_t dtype_code(DType d) {
  switch (d) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::BF16:
      return 2;
    case DType::Q8_0:
      return 3;
    case DType::Q4_0:
      return 4;
    case DType::Q4_1:
      return 5;
    case DType::Q5_0:
      return 6;
    case DType::Q5_1:
      return 7;
    case DType::Q4_K:
      return 8;
    case DType::Q5_K:
      return 9;
    case DType::Q6_K:
      return 10;
    default:
      throw Error("internal: no Vulkan kernel for weights of dtype " + std::string(dtype_name(d)));
  }
}

void grid_2d(uint64_t groups, uint32_t max_x, uint32_t* gx, uint32_t* gy) {
  *gx = static_cast<uint32_t>(std::min<uint64_t>(groups, max_x));
  *gy = *gx == 0 ? 0 : static_cast<uint32_t>((groups + *gx - 1) / *gx);
}

}  // namespace coil::vk
