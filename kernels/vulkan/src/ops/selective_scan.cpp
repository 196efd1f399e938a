// The selective scan over a chunk, state carried (shaders/selective_scan.comp).
#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::selective_scan(const ScanArgs& a) {
  checks::selective_scan(a);
  const int64_t T = a.x.rows, D = a.x.cols, N = a.A.cols;
  if (N > 256) throw Error("Vulkan: state sizes above 256 are not supported");
  if (T == 0 || D == 0 || N == 0) return;
  struct Push {
    uint32_t x_off, x_stride, dt_off, dt_stride, dtb_off, a_off, b_off, b_stride;
    uint32_t c_off, c_stride, ds_off, z_off, z_stride, s_off, out_off, out_stride, T, D;
  };
  Dispatch d(*this, Kernel::SelectiveScan, {static_cast<uint32_t>(N)});
  Push p{};
  p.x_off = d.bind(a.x, Access::Read);
  p.dt_off = d.bind(a.dt, Access::Read);
  p.dtb_off = d.bind(a.dt_bias, Access::Read);
  p.a_off = d.bind(a.A, Access::Read);
  p.b_off = d.bind(a.B, Access::Read);
  p.c_off = d.bind(a.C, Access::Read);
  p.ds_off = d.bind(a.Dskip, Access::Read);
  p.z_off = d.bind(a.z, Access::Read);
  p.s_off = d.bind(a.state, Access::ReadWrite);
  p.out_off = d.bind(a.out, Access::Write);
  p.x_stride = static_cast<uint32_t>(a.x.stride);
  p.dt_stride = static_cast<uint32_t>(a.dt.stride);
  p.b_stride = static_cast<uint32_t>(a.B.stride);
  p.c_stride = static_cast<uint32_t>(a.C.stride);
  p.z_stride = static_cast<uint32_t>(a.z.stride);
  p.out_stride = static_cast<uint32_t>(a.out.stride);
  p.T = static_cast<uint32_t>(T);
  p.D = static_cast<uint32_t>(D);
  constexpr int64_t kChannelsPerGroup = 128 / 4;  // WG / L in the shader
  d.run(p, static_cast<uint32_t>((D + kChannelsPerGroup - 1) / kChannelsPerGroup));
}

}  // namespace coil::vk
