// Fused decode op: RMS norm (times its weight) then x @ W^T (+ bias), in one GEMV dispatch
// per token group (shaders/matmul_gemv.comp with FUSE = 2; the split is in matmul.cpp).
#include "coil/op_checks.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

// x [T, K], norm_w [1, K], w [N, K], bias [1, N] or null, out [T, N] (not aliasing x).
void VulkanBackend::norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                                const Tensor* bias, const Tensor& out) {
  checks::norm_matmul(x, norm_w, w, bias, out);
  MatMulFusion f;
  f.norm_w = &norm_w;
  f.eps = eps;
  matmul_split(x, w, bias, out, f);
}

}  // namespace coil::vk
