// x @ W^T (+ bias): a GEMV for up to 4 tokens (decode; shaders/matmul_gemv.comp) and a
// tiled GEMM for prefill chunks (shaders/matmul_gemm.comp). The GEMV also runs the fused
// norm_matmul and matmul_add (ops/norm_matmul.cpp, ops/matmul_add.cpp).
#include <algorithm>

#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {
namespace {

constexpr int64_t kGemvMaxTokens = 4;  // NT specializations of the GEMV
constexpr uint32_t kGemvGroup = 128;   // WG in the shader

// Invocations per output feature: a power of two giving each about 4 loads of the row.
uint32_t gemv_lanes(uint32_t loads_per_row) {
  uint32_t lanes = 1;
  while (lanes * 2 <= kGemvGroup && lanes * 2 * 4 <= loads_per_row) lanes *= 2;
  return lanes;
}

struct Push {
  uint32_t x_off, x_stride, w_off, b_off, out_off, out_stride;
};

}  // namespace

void VulkanBackend::matmul(const Tensor& x, const Tensor& w, const Tensor* bias,
                           const Tensor& out) {
  checks::matmul(x, w, bias, out);
  matmul_split(x, w, bias, out, {});
}

// Splits products whose operands do not fit one binding (a large lm_head or embedding on
// a device with a small maxStorageBufferRange) into halves, by output features or tokens.
void VulkanBackend::matmul_split(const Tensor& x, const Tensor& w, const Tensor* bias,
                                 const Tensor& out, const MatMulFusion& f) {
  if (x.rows == 0 || w.rows == 0) return;
  const size_t limit = max_view_bytes(ctx());
  if (w.span_bytes() > limit && w.rows > 1) {
    const int64_t h = w.rows / 2;
    for (auto [n0, n] : {std::pair{int64_t(0), h}, std::pair{h, w.rows - h}}) {
      const Tensor b = bias ? bias->cols_view(n0, n) : Tensor{};
      matmul_split(x, w.rows_view(n0, n), bias ? &b : nullptr, out.cols_view(n0, n), f);
    }
    return;
  }
  if ((x.span_bytes() > limit || out.span_bytes() > limit) && x.rows > 1) {
    const int64_t h = x.rows / 2;
    matmul_split(x.rows_view(0, h), w, bias, out.rows_view(0, h), f);
    matmul_split(x.rows_view(h, x.rows - h), w, bias, out.rows_view(h, x.rows - h), f);
    return;
  }
  if (x.rows <= kGemvMaxTokens) {
    matmul_gemv(x, w, bias, out, f);
  } else if (f.any()) {
    // The GEMM has no fused variants: the session fuses only at T = 1, so longer inputs
    // (tests) go through the GEMV a few rows at a time.
    for (int64_t r0 = 0; r0 < x.rows; r0 += kGemvMaxTokens) {
      const int64_t n = std::min(kGemvMaxTokens, x.rows - r0);
      matmul_gemv(x.rows_view(r0, n), w, bias, out.rows_view(r0, n), f);
    }
  } else {
    matmul_gemm(x, w, bias, out);
  }
}

void VulkanBackend::matmul_gemv(const Tensor& x, const Tensor& w, const Tensor* bias,
                                const Tensor& out, const MatMulFusion& f) {
  struct GemvPush : Push {
    uint32_t K, N, flags, nw_off;
    float eps;
  };
  GemvPush p{};
  p.K = static_cast<uint32_t>(w.cols);
  p.N = static_cast<uint32_t>(w.rows);
  p.x_stride = static_cast<uint32_t>(x.stride);
  p.out_stride = static_cast<uint32_t>(out.stride);
  // The weight view's offset within its binding decides the 16-byte path; it is the same
  // as the offset in its buffer unless the buffer is bound through a window (aligned).
  const bool blocks = dtype_is_quantized(w.dtype);
  bool w_aligned;
  uint32_t lanes;
  if (blocks) {
    // 16-byte loads of a K type's codes where rows start on 16 bytes (their blocks are
    // multiples of 16 bytes); a lane takes units of 16 or 32 values (shaders/quant.glsl),
    // each a few loads
    w_aligned = w.offset % 16 == 0;
    const int64_t values_per_unit = dtype_block_size(w.dtype) == 256 ? 32 : 16;
    lanes = gemv_lanes(static_cast<uint32_t>(2 * (w.cols / values_per_unit)));
  } else {
    const uint32_t per_vec = w.dtype == DType::F32 ? 4 : 8;  // elements per 16-byte load
    const size_t w_elem = w.offset / dtype_size(w.dtype);
    w_aligned = w_elem % per_vec == 0 && p.K % per_vec == 0;
    lanes = gemv_lanes(w_aligned ? p.K / per_vec : p.K);
  }
  const uint32_t fuse = (f.accumulate ? 1u : 0u) | (f.norm_w ? 2u : 0u);  // FUSE in the shader
  Dispatch d(*this, Kernel::MatMulGemv,
             {dtype_code(w.dtype), static_cast<uint32_t>(x.rows), lanes, fuse});
  p.x_off = d.bind(x, Access::Read);
  p.w_off = d.bind(w, Access::Read);
  p.b_off = d.bind(bias, Access::Read);
  p.out_off = d.bind(out, f.accumulate ? Access::ReadWrite : Access::Write);
  p.nw_off = d.bind(f.norm_w, Access::Read);
  p.eps = f.eps;
  // x and norm_w are read as vec4 together
  const bool x_aligned =
      p.x_off % 4 == 0 && (x.rows == 1 || p.x_stride % 4 == 0) && (!f.norm_w || p.nw_off % 4 == 0);
  p.flags =
      (bias ? 1u : 0u) | (w_aligned ? 2u : 0u) | ((w_aligned || blocks) && x_aligned ? 4u : 0u);
  const uint32_t per_group = kGemvGroup / lanes;
  uint32_t gx, gy;
  grid_2d((w.rows + per_group - 1) / per_group, ctx().phys.limits.maxComputeWorkGroupCount[0], &gx,
          &gy);
  d.run(p, gx, gy);
}

void VulkanBackend::matmul_gemm(const Tensor& x, const Tensor& w, const Tensor* bias,
                                const Tensor& out) {
  struct GemmPush : Push {
    uint32_t T, K, N, flags;
  };
  Dispatch d(*this, Kernel::MatMulGemm, {dtype_code(w.dtype)});
  GemmPush p{};
  p.x_off = d.bind(x, Access::Read);
  p.w_off = d.bind(w, Access::Read);
  p.b_off = d.bind(bias, Access::Read);
  p.out_off = d.bind(out, Access::Write);
  p.x_stride = static_cast<uint32_t>(x.stride);
  p.out_stride = static_cast<uint32_t>(out.stride);
  p.T = static_cast<uint32_t>(x.rows);
  p.K = static_cast<uint32_t>(w.cols);
  p.N = static_cast<uint32_t>(w.rows);
  p.flags = bias ? 1u : 0u;
  d.run(p, static_cast<uint32_t>((w.rows + 127) / 128), static_cast<uint32_t>((x.rows + 63) / 64));
}

}  // namespace coil::vk
