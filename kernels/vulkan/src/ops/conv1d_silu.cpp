// Causal depthwise conv + bias + SiLU over a chunk, state carried
// (shaders/conv1d_silu.comp).
#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                                const Tensor& conv_state, const Tensor& out) {
  checks::conv1d_silu(x, weight, bias, conv_state, out);
  const int64_t D = x.cols, K = weight.cols;
  if (K > 16) throw Error("Vulkan: conv kernels wider than 16 are not supported");
  if (x.rows == 0 || D == 0) return;
  struct Push {
    uint32_t x_off, x_stride, w_off, b_off, s_off, out_off, out_stride, T, D, has_bias;
  };
  Dispatch d(*this, Kernel::Conv1dSilu, {static_cast<uint32_t>(K)});
  Push p{};
  p.x_off = d.bind(x, Access::Read);
  p.w_off = d.bind(weight, Access::Read);
  p.b_off = d.bind(bias, Access::Read);
  p.s_off = d.bind(conv_state, Access::ReadWrite);
  p.out_off = d.bind(out, Access::Write);
  p.x_stride = static_cast<uint32_t>(x.stride);
  p.out_stride = static_cast<uint32_t>(out.stride);
  p.T = static_cast<uint32_t>(x.rows);
  p.D = static_cast<uint32_t>(D);
  p.has_bias = bias != nullptr;
  d.run(p, static_cast<uint32_t>((D + 127) / 128));
}

}  // namespace coil::vk
