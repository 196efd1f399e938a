// The Vulkan backend: coil::Backend on a Vulkan device. Ops are defined one per file in
// ops/*.cpp, each with its shader(s) in shaders/.
#pragma once
#include <functional>
#include <memory>

#include "coil/backend.hpp"
#include "vk_context.hpp"
#include "vk_pipelines.hpp"
#include "vk_stream.hpp"

namespace coil::vk {

class VulkanBackend final : public Backend {
 public:
  explicit VulkanBackend(const BackendOptions& opts);
  ~VulkanBackend() override;

  BackendInfo info() const override;
  bool supports(Op op, DType weight_dtype) const override;

  Tensor alloc(DType dtype, int64_t rows, int64_t cols) override;
  Tensor upload_weight(const TensorView& host, int64_t rows, int64_t cols) override;
  void upload(const Tensor& dst, const void* src) override;
  void download(const Tensor& src, void* dst) override;
  size_t allocated_bytes() const override { return ctx_->allocated(); }
  size_t peak_allocated_bytes() const override { return ctx_->peak(); }

  void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) override;
  void rms_norm(const Tensor& x, const Tensor* weight, float eps, const Tensor& out) override;
  void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) override;
  void conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                   const Tensor& conv_state, const Tensor& out) override;
  void selective_scan(const ScanArgs& a) override;
  void add(const Tensor& a, const Tensor& b) override;

  void norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                   const Tensor* bias, const Tensor& out) override;
  void matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) override;
  void proj_scan(const ProjScanArgs& a) override;

  std::unique_ptr<Graph> capture(const std::function<void()>& record) override;
  void synchronize() override;
  double measure_read_bandwidth_gbps() override;

  Context& ctx() { return *ctx_; }
  Stream& stream() { return *stream_; }
  Pipelines& pipelines() { return *pipelines_; }
  // A small buffer bound where an optional operand (a bias) is absent.
  const Tensor& placeholder() const { return placeholder_; }

 private:
  // What the GEMV folds in for the fused decode ops (none for a plain matmul).
  struct MatMulFusion {
    const Tensor* norm_w = nullptr;  // norm_matmul: x rows RMS-normalised, times norm_w [1, K]
    float eps = 0.0f;
    bool accumulate = false;  // matmul_add: out += x @ W^T (+ bias)
    bool any() const { return norm_w != nullptr || accumulate; }
  };

  Tensor make_tensor(DType dtype, int64_t rows, int64_t cols, bool zero);
  void matmul_split(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out,
                    const MatMulFusion& f);
  void matmul_gemv(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out,
                   const MatMulFusion& f);
  void matmul_gemm(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out);

  std::shared_ptr<Context> ctx_;
  std::unique_ptr<Pipelines> pipelines_;
  std::unique_ptr<Stream> stream_;
  Tensor placeholder_;
};

}  // namespace coil::vk
