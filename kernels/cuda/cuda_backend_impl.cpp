#include "cuda_backend_impl.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "add.cuh"
#include "bandwidth.cuh"
#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "coil/tensor_view.hpp"
#include "conv1d_silu.cuh"
#include "cuda_error.hpp"
#include "cuda_graph.hpp"
#include "gemv.cuh"
#include "get_rows.cuh"
#include "proj_scan.cuh"
#include "rms_norm.cuh"
#include "selective_scan.cuh"

namespace coil::cuda {
namespace {

constexpr size_t kStagingSlotBytes = size_t(8) << 20;

const float* opt_ptr(const Tensor* t) {
  return t ? dptr<const float>(*t) : nullptr;
}

// The operands selective_scan and proj_scan share (all but dt), as kernel arguments.
ScanKernelArgs scan_kernel_args(const ScanArgs& a) {
  ScanKernelArgs k{};
  k.x = dptr<const float>(a.x);
  k.x_stride = a.x.stride;
  k.dt_bias = dptr<const float>(a.dt_bias);
  k.A = dptr<const float>(a.A);
  k.B = dptr<const float>(a.B);
  k.B_stride = a.B.stride;
  k.C = dptr<const float>(a.C);
  k.C_stride = a.C.stride;
  k.Dskip = dptr<const float>(a.Dskip);
  k.z = dptr<const float>(a.z);
  k.z_stride = a.z.stride;
  k.state = dptr<float>(a.state);
  k.out = dptr<float>(a.out);
  k.out_stride = a.out.stride;
  k.T = a.x.rows;
  k.D = a.x.cols;
  k.N = a.A.cols;
  return k;
}

void check_state_size(int64_t n) {
  if (n > kMaxScanState)
    throw Error("CUDA backend: a state size of " + std::to_string(n) +
                " is not supported (at most " + std::to_string(kMaxScanState) + ")");
}

}  // namespace

CudaBackend::CudaBackend(int index, const BackendOptions& opts) : dev_(query_device(index)) {
  ctx_ = std::make_shared<Context>(index);
  int ptx = 0, bin = 0;
  const cudaError_t e = probe_kernel_image(&ptx, &bin);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    throw Error("CUDA backend: this build has no kernels for " + dev_.name + " (compute " +
                std::to_string(dev_.major) + "." + std::to_string(dev_.minor) + "); rebuild with " +
                std::to_string(dev_.major * 10 + dev_.minor) + " in CMAKE_CUDA_ARCHITECTURES (" +
                describe(e) + ")");
  }
  launch_.stream = ctx_->stream();
  launch_.sm_count = std::max(1, dev_.sm_count);
  // programmatic dependent launch needs Hopper and kernels compiled for it (their
  // griddepcontrol.wait); COIL_CUDA_PDL=0 turns it off
  launch_.pdl = dev_.major >= 9 && ptx >= 90 && bin >= 90 && opts.cuda_pdl;
  staging_ = std::make_unique<Staging>(ctx_->stream(), kStagingSlotBytes);
  gemm_ = std::make_unique<Gemm>(index, ctx_->stream(), stats_, opts.cuda_split_gemm,
                                 opts.cuda_gemm_scratch_bytes);
}

CudaBackend::~CudaBackend() {
  ctx_->make_current_noexcept();
  (void)cudaStreamSynchronize(ctx_->stream());
  (void)cudaGetLastError();
}

BackendInfo CudaBackend::info() const {
  return {"cuda", dev_.name, dev_.total_memory, 0, ""};
}

bool CudaBackend::supports(Op, DType d) const {
  // weights of the float types and of every block type (quant_block.hpp): get_rows, the
  // GEMV and its fused forms, the prefill GEMM and proj_scan's dt_proj
  return d == DType::F32 || d == DType::F16 || d == DType::BF16 || dtype_is_quantized(d);
}

void CudaBackend::not_capturing(const char* what) const {
  if (capturing_)
    throw Error(std::string("internal: CUDA backend: ") + what +
                " is not allowed while a graph is being captured");
}

// --- memory -------------------------------------------------------------------------------

Tensor CudaBackend::new_tensor(DType dtype, int64_t rows, int64_t cols) {
  not_capturing("allocating device memory");
  // checked: shape not negative, rows of whole blocks, no overflow
  const size_t bytes = dtype_tensor_bytes(dtype, rows, cols);
  ctx_->make_current();
  Tensor t;
  t.buf = std::make_shared<DeviceBuffer>(ctx_->device(), bytes, stats_);
  t.dtype = dtype;
  t.rows = rows;
  t.cols = cols;
  t.stride = cols;
  return t;
}

Tensor CudaBackend::alloc(DType dtype, int64_t rows, int64_t cols) {
  Tensor t = new_tensor(dtype, rows, cols);
  check(cudaMemsetAsync(device_ptr(t), 0, t.buf->size(), ctx_->stream()), "clearing a new tensor");
  return t;
}

Tensor CudaBackend::upload_weight(const TensorView& host, int64_t rows, int64_t cols) {
  checks::upload_weight(host, rows, cols);
  Tensor t = new_tensor(host.dtype, rows, cols);  // no clearing: the upload covers it
  upload(t, host.data);
  return t;
}

void CudaBackend::upload(const Tensor& dst, const void* src) {
  not_capturing("a copy to the GPU");
  if (dst.rows <= 0 || dst.cols <= 0) return;
  ctx_->make_current();
  staging_->upload(device_ptr(dst), dtype_row_bytes(dst.dtype, dst.stride), src, dst.row_bytes(),
                   size_t(dst.rows));
}

void CudaBackend::download(const Tensor& src, void* dst) {
  not_capturing("a copy from the GPU");
  if (src.rows <= 0 || src.cols <= 0) return synchronize();
  ctx_->make_current();
  staging_->download(device_ptr(src), dtype_row_bytes(src.dtype, src.stride), dst, src.row_bytes(),
                     size_t(src.rows));
}

// --- ops ----------------------------------------------------------------------------------

void CudaBackend::get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) {
  checks::get_rows(table, ids, out);
  ctx_->make_current();
  // a block-type table's rows are given in bytes
  const int64_t stride = dtype_is_quantized(table.dtype)
                             ? static_cast<int64_t>(dtype_row_bytes(table.dtype, table.stride))
                             : table.stride;
  cuda::get_rows(launch_, GetRowsArgs{device_ptr(table), table.dtype, table.rows, stride,
                                      dptr<const int32_t>(ids), dptr<float>(out), out.stride,
                                      ids.cols, table.cols});
}

void CudaBackend::rms_norm(const Tensor& x, const Tensor* weight, float eps, const Tensor& out) {
  checks::rms_norm(x, weight, out);
  ctx_->make_current();
  cuda::rms_norm(launch_, RmsNormArgs{dptr<const float>(x), x.stride, opt_ptr(weight), eps,
                                      dptr<float>(out), out.stride, x.rows, x.cols});
}

void CudaBackend::matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) {
  checks::matmul(x, w, bias, out);
  ctx_->make_current();
  if (x.rows == 1) {
    cuda::gemv(launch_, GemvArgs{dptr<const float>(x), device_ptr(w), w.dtype, opt_ptr(bias),
                                 dptr<float>(out), w.rows, w.cols});
    return;
  }
  gemm_->run(launch_, x, w, bias, out, capturing_);
}

void CudaBackend::conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                              const Tensor& conv_state, const Tensor& out) {
  checks::conv1d_silu(x, weight, bias, conv_state, out);
  if (weight.cols > kMaxConvKernel)
    throw Error("CUDA backend: a causal conv of " + std::to_string(weight.cols) +
                " taps is not supported (at most " + std::to_string(kMaxConvKernel) + ")");
  ctx_->make_current();
  cuda::conv1d_silu(
      launch_,
      ConvArgs{dptr<const float>(x), x.stride, dptr<const float>(weight), opt_ptr(bias),
               dptr<float>(conv_state), dptr<float>(out), out.stride, x.rows, x.cols},
      static_cast<int>(weight.cols));
}

void CudaBackend::selective_scan(const ScanArgs& a) {
  checks::selective_scan(a);
  check_state_size(a.A.cols);
  ctx_->make_current();
  ScanKernelArgs k = scan_kernel_args(a);
  k.dt = dptr<const float>(a.dt);
  k.dt_stride = a.dt.stride;
  cuda::selective_scan(launch_, k);
}

void CudaBackend::gemv_rows(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out,
                            const Tensor* norm_w, float eps, bool accumulate) {
  ctx_->make_current();
  // the decode step has T = 1; other T (the op's general contract) run row by row
  for (int64_t t = 0; t < x.rows; ++t) {
    GemvArgs g{dptr<const float>(x.rows_view(t, 1)), device_ptr(w), w.dtype, opt_ptr(bias),
               dptr<float>(out.rows_view(t, 1)),     w.rows,        w.cols};
    g.norm_w = opt_ptr(norm_w);
    g.norm_eps = eps;
    g.accumulate = accumulate;
    cuda::gemv(launch_, g);
  }
}

void CudaBackend::norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                              const Tensor* bias, const Tensor& out) {
  checks::norm_matmul(x, norm_w, w, bias, out);
  gemv_rows(x, w, bias, out, &norm_w, eps, false);
}

void CudaBackend::matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias,
                             const Tensor& out) {
  checks::matmul(x, w, bias, out);
  gemv_rows(x, w, bias, out, nullptr, 0.0f, true);
}

void CudaBackend::proj_scan(const ProjScanArgs& a) {
  checks::proj_scan(a);
  check_state_size(a.scan.A.cols);
  ctx_->make_current();
  ProjScanKernelArgs k;
  k.s = scan_kernel_args(a.scan);
  k.dt_low = dptr<const float>(a.dt_low);
  k.dt_low_stride = a.dt_low.stride;
  k.dt_proj = device_ptr(a.dt_proj);
  k.dt_proj_dtype = a.dt_proj.dtype;
  k.R = a.dt_low.cols;
  k.norm = a.norm_dt_bc;
  k.eps = a.norm_eps;
  cuda::proj_scan(launch_, k);
}

void CudaBackend::add(const Tensor& a, const Tensor& b) {
  checks::add(a, b);
  ctx_->make_current();
  cuda::add(launch_,
            AddArgs{dptr<float>(a), a.stride, dptr<const float>(b), b.stride, a.rows, a.cols});
}

// --- execution ----------------------------------------------------------------------------

std::unique_ptr<Graph> CudaBackend::capture(const std::function<void()>& record) {
  return capture_graph(ctx_, capturing_, record, [this] { return gemm_->take_captured_buffers(); });
}

void CudaBackend::synchronize() {
  not_capturing("waiting for the GPU");
  ctx_->make_current();
  check(cudaStreamSynchronize(ctx_->stream()), "running the queued GPU work");
}

double CudaBackend::measure_read_bandwidth_gbps() {
  synchronize();
  size_t free_b = 0, total_b = 0;
  check(cudaMemGetInfo(&free_b, &total_b), "reading the free GPU memory");
  // 1 GiB (far beyond the L2 cache) or a quarter of what is free; not counted in
  // allocated_bytes(): it is freed before this returns
  const size_t bytes = std::min(size_t(1) << 30, free_b / 4) / (1 << 20) * (1 << 20);
  if (bytes < (size_t(16) << 20))
    throw Error("CUDA backend: too little free GPU memory to measure its bandwidth");
  DeviceBuffer buf(ctx_->device(), bytes, std::make_shared<MemoryStats>());
  DeviceBuffer sink(ctx_->device(), 256, std::make_shared<MemoryStats>());
  check(cudaMemsetAsync(buf.data(), 1, bytes, ctx_->stream()), "filling the bandwidth buffer");
  Launch l = launch_;
  l.pdl = false;  // each timed kernel runs alone
  return measure_read_gbps(l, buf.data(), bytes, static_cast<unsigned*>(sink.data()), 10);
}

}  // namespace coil::cuda
