// Fused decode op: dt_proj (and FalconMamba's norm of dt, B and C) folded into the
// selective scan, one dispatch over the chunk (shaders/proj_scan.comp).
#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::proj_scan(const ProjScanArgs& a) {
  checks::proj_scan(a);
  if (!supports(Op::ProjScan, a.dt_proj.dtype))
    throw Error(
        "Vulkan: " + ctx().name() + " allows fewer than " + std::to_string(kProjScanBindings) +
        " storage buffers per shader, proj_scan needs " + std::to_string(kProjScanBindings));
  const int64_t T = a.scan.x.rows, D = a.scan.x.cols, N = a.scan.A.cols, R = a.dt_low.cols;
  if (N > 256) throw Error("Vulkan: state sizes above 256 are not supported");
  if (T == 0 || D == 0 || N == 0) return;
  struct Push {
    uint32_t x_off, x_stride, dl_off, dl_stride, w_off, dtb_off, a_off, b_off, b_stride;
    uint32_t c_off, c_stride, ds_off, z_off, z_stride, s_off, out_off, out_stride, T, D, R;
    uint32_t flags;
    float eps;
  };
  Dispatch d(*this, Kernel::ProjScan, {static_cast<uint32_t>(N), dtype_code(a.dt_proj.dtype)});
  Push p{};
  p.x_off = d.bind(a.scan.x, Access::Read);
  p.dl_off = d.bind(a.dt_low, Access::Read);
  p.w_off = d.bind(a.dt_proj, Access::Read);
  p.dtb_off = d.bind(a.scan.dt_bias, Access::Read);
  p.a_off = d.bind(a.scan.A, Access::Read);
  p.b_off = d.bind(a.scan.B, Access::Read);
  p.c_off = d.bind(a.scan.C, Access::Read);
  p.ds_off = d.bind(a.scan.Dskip, Access::Read);
  p.z_off = d.bind(a.scan.z, Access::Read);
  p.s_off = d.bind(a.scan.state, Access::ReadWrite);
  p.out_off = d.bind(a.scan.out, Access::Write);
  p.x_stride = static_cast<uint32_t>(a.scan.x.stride);
  p.dl_stride = static_cast<uint32_t>(a.dt_low.stride);
  p.b_stride = static_cast<uint32_t>(a.scan.B.stride);
  p.c_stride = static_cast<uint32_t>(a.scan.C.stride);
  p.z_stride = static_cast<uint32_t>(a.scan.z.stride);
  p.out_stride = static_cast<uint32_t>(a.scan.out.stride);
  p.T = static_cast<uint32_t>(T);
  p.D = static_cast<uint32_t>(D);
  p.R = static_cast<uint32_t>(R);
  // dt_proj rows are read 16 bytes at a time when every row starts on a 16-byte boundary
  // of its binding (the offset within the binding is p.w_off elements, or bytes for a block
  // type, whose K-type rows are multiples of 16 bytes and others are read by words).
  bool w_aligned;
  if (dtype_is_quantized(a.dt_proj.dtype)) {
    w_aligned = p.w_off % 16 == 0;
  } else {
    const uint32_t per_vec = a.dt_proj.dtype == DType::F32 ? 4 : 8;
    w_aligned = p.w_off % per_vec == 0 && p.R % per_vec == 0;
  }
  p.flags = (a.norm_dt_bc ? 1u : 0u) | (w_aligned ? 2u : 0u);
  p.eps = a.norm_eps;
  constexpr int64_t kChannelsPerGroup = 128 / 4;  // WG / L in the shader
  d.run(p, static_cast<uint32_t>((D + kChannelsPerGroup - 1) / kChannelsPerGroup));
}

}  // namespace coil::vk
