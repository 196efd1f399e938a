// Residual add (shaders/add.comp).
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::add(const Tensor& a, const Tensor& b) {
  checks::add(a, b);
  struct Push {
    uint32_t a_off, a_stride, b_off, b_stride, cols;
  };
  const int64_t max_rows = ctx().phys.limits.maxComputeWorkGroupCount[1];
  for (int64_t r0 = 0; r0 < a.rows; r0 += max_rows) {
    const int64_t n = std::min(max_rows, a.rows - r0);
    Dispatch d(*this, Kernel::Add);
    Push p{};
    p.a_off = d.bind(a.rows_view(r0, n), Access::ReadWrite);
    p.b_off = d.bind(b.rows_view(r0, n), Access::Read);
    p.a_stride = static_cast<uint32_t>(a.stride);
    p.b_stride = static_cast<uint32_t>(b.stride);
    p.cols = static_cast<uint32_t>(a.cols);
    d.run(p, static_cast<uint32_t>((a.cols + 255) / 256), static_cast<uint32_t>(n));
  }
}

}  // namespace coil::vk
