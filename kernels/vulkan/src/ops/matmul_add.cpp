// Fused decode op: out += x @ W^T (+ bias), the out_proj product accumulated straight into
// the residual stream (shaders/matmul_gemv.comp with FUSE = 1; the split is in matmul.cpp).
#include "coil/op_checks.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

// x [T, K], w [N, K], bias [1, N] or null, out [T, N] (read and written; not aliasing x).
void VulkanBackend::matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias,
                               const Tensor& out) {
  checks::matmul(x, w, bias, out);
  MatMulFusion f;
  f.accumulate = true;
  matmul_split(x, w, bias, out, f);
}

}  // namespace coil::vk
