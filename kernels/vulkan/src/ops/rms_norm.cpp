// RMS norm, with or without weight, in place on column views too (shaders/rms_norm.comp).
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::rms_norm(const Tensor& x, const Tensor* weight, float eps, const Tensor& out) {
  checks::rms_norm(x, weight, out);
  if (x.cols == 0) return;
  struct Push {
    uint32_t x_off, x_stride, w_off, out_off, out_stride, cols, has_weight;
    float eps;
  };
  const int64_t max_rows = ctx().phys.limits.maxComputeWorkGroupCount[0];
  for (int64_t r0 = 0; r0 < x.rows; r0 += max_rows) {
    const int64_t n = std::min(max_rows, x.rows - r0);
    Dispatch d(*this, Kernel::RmsNorm);
    Push p{};
    p.x_off = d.bind(x.rows_view(r0, n), Access::Read);
    p.w_off = d.bind(weight, Access::Read);
    p.out_off = d.bind(out.rows_view(r0, n), Access::Write);
    p.x_stride = static_cast<uint32_t>(x.stride);
    p.out_stride = static_cast<uint32_t>(out.stride);
    p.cols = static_cast<uint32_t>(x.cols);
    p.has_weight = weight != nullptr;
    p.eps = eps;
    d.run(p, static_cast<uint32_t>(n));
  }
}

}  // namespace coil::vk
