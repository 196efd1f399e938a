// The CUDA implementation of coil::Backend. Every op is enqueued on one stream (no host
// synchronisation inside an op); synchronize() and download() wait.
#pragma once
#include <memory>

#include "coil/backend.hpp"
#include "context.hpp"
#include "cuda_device.hpp"
#include "device_buffer.hpp"
#include "gemm.hpp"
#include "launch.hpp"
#include "staging.hpp"

namespace coil::cuda {

class CudaBackend final : public Backend {
 public:
  // Selects and checks device `index` (already validated against the device count).
  CudaBackend(int index, const BackendOptions& opts);
  ~CudaBackend() override;

  BackendInfo info() const override;
  bool supports(Op op, DType weight_dtype) const override;

  Tensor alloc(DType dtype, int64_t rows, int64_t cols) override;
  Tensor upload_weight(const TensorView& host, int64_t rows, int64_t cols) override;
  void upload(const Tensor& dst, const void* src) override;
  void download(const Tensor& src, void* dst) override;
  size_t allocated_bytes() const override { return stats_->now.load(); }
  size_t peak_allocated_bytes() const override { return stats_->peak.load(); }

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

 private:
  Tensor new_tensor(DType dtype, int64_t rows, int64_t cols);
  void not_capturing(const char* what) const;
  // The GEMV kernel once per row of x: out = [norm](x) . w^T + bias, or out += ...
  void gemv_rows(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out,
                 const Tensor* norm_w, float eps, bool accumulate);

  DeviceInfo dev_;
  std::shared_ptr<Context> ctx_;  // destroyed after the members below, which use its stream
  std::shared_ptr<MemoryStats> stats_ = std::make_shared<MemoryStats>();
  Launch launch_;
  std::unique_ptr<Staging> staging_;
  std::unique_ptr<Gemm> gemm_;
  bool capturing_ = false;
};

}  // namespace coil::cuda
