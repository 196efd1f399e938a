#include "gemm.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "coil/error.hpp"
#include "cublas_api.hpp"
#include "cuda_error.hpp"
#include "gemm_split.cuh"

namespace coil::cuda {

namespace {
constexpr size_t kWorkspaceBytes = size_t(32) << 20;  // cuBLAS' advice for Hopper
}

Gemm::Gemm(int device, cudaStream_t stream, std::shared_ptr<MemoryStats> stats, bool split,
           size_t scratch_cap_bytes)
    : device_(device), stream_(stream), stats_(std::move(stats)), split_(split) {
  if (scratch_cap_bytes > 0) y_cap_bytes_ = scratch_cap_bytes;
  check(cublas().create(&handle_), "initialisation");
  try {
    check(cublas().set_stream(handle_, stream), "setting the stream");
    // a fixed workspace: cuBLAS then never allocates during a call (or a graph capture)
    workspace_ = std::make_shared<DeviceBuffer>(device_, kWorkspaceBytes, stats_);
    check(cublas().set_workspace(handle_, workspace_->data(), kWorkspaceBytes),
          "setting the workspace");
    check(cublas().set_math_mode(handle_, CUBLAS_DEFAULT_MATH), "setting the math mode");
  } catch (...) {
    cublas().destroy(handle_);
    throw;
  }
}

Gemm::~Gemm() {
  if (handle_) cublas().destroy(handle_);
}

std::vector<std::shared_ptr<Buffer>> Gemm::take_captured_buffers() {
  return std::exchange(captured_, {});
}

void Gemm::hold_for_capture(const std::shared_ptr<DeviceBuffer>& buf) {
  if (std::find(captured_.begin(), captured_.end(), buf) == captured_.end())
    captured_.push_back(buf);
}

void* Gemm::scratch(std::shared_ptr<DeviceBuffer>& buf, size_t bytes, bool capturing) {
  if (!buf || buf->size() < bytes) {
    if (capturing)
      throw Error(
          "internal: CUDA backend: a GEMM scratch buffer would have to grow inside a "
          "graph capture");
    check(cudaStreamSynchronize(stream_), "waiting for the GPU before growing a GEMM scratch");
    buf.reset();
    buf = std::make_shared<DeviceBuffer>(device_, bytes, stats_);
  }
  if (capturing) hold_for_capture(buf);
  return buf->data();
}

void Gemm::run(const Launch& l, const Tensor& x, const Tensor& w, const Tensor* bias,
               const Tensor& out, bool capturing) {
  const int64_t T = x.rows, K = x.cols, N = w.rows;
  float* o = dptr<float>(out);
  const float* b = bias ? dptr<const float>(*bias) : nullptr;
  const float one = 1.0f, zero = 0.0f;
  if (T <= 0 || N <= 0) return;
  if (capturing) hold_for_capture(workspace_);  // cuBLAS may use it in the captured kernels
  if (K == 0) {
    check(cudaMemset2DAsync(o, out.stride * sizeof(float), 0, N * sizeof(float), T, l.stream),
          "clearing a matmul output");
    if (b) fill_rows(l, o, out.stride, T, N, b);
    return;
  }
  if (w.dtype == DType::F32) {
    if (b) fill_rows(l, o, out.stride, T, N, b);
    const float beta = b ? 1.0f : 0.0f;
    check(cublas().gemm_ex(handle_, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(T), int(K), &one,
                           dptr<const float>(w), CUDA_R_32F, int(K), dptr<const float>(x),
                           CUDA_R_32F, int(x.stride), &beta, o, CUDA_R_32F, int(out.stride),
                           CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "F32 GEMM");
    return;
  }

  const bool two = split_;
  const int64_t rows = two ? 2 * T : T;
  const int64_t ld = (K + 7) / 8 * 8;  // 16-byte aligned rows for the tensor cores
  const float lo_mul = w.dtype == DType::F16 ? 2048.0f : 256.0f;
  void* xs = scratch(xs_, size_t(rows * ld) * 2, capturing);
  auto* inv_scale = static_cast<float*>(scratch(scale_, size_t(T) * sizeof(float), capturing));
  split_activations(
      l, SplitArgs{dptr<const float>(x), x.stride, T, K, xs, ld, w.dtype, two, lo_mul, inv_scale});

  int64_t tile = N;
  const size_t row_bytes = size_t(rows) * sizeof(float);
  if (size_t(N) * row_bytes > y_cap_bytes_)
    tile =
        std::min<int64_t>(N, std::max<int64_t>(256, int64_t(y_cap_bytes_ / row_bytes) / 256 * 256));
  auto* y = static_cast<float*>(scratch(y_, size_t(tile) * row_bytes, capturing));
  const cudaDataType dt = w.dtype == DType::BF16 ? CUDA_R_16BF : CUDA_R_16F;
  const auto* wp = dptr<const uint16_t>(w);
  for (int64_t n0 = 0; n0 < N; n0 += tile) {
    const int64_t n = std::min(tile, N - n0);
    check(cublas().gemm_ex(handle_, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(rows), int(K), &one,
                           wp + n0 * K, dt, int(K), xs, dt, int(ld), &zero, y, CUDA_R_32F, int(n),
                           CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          w.dtype == DType::BF16 ? "BF16 GEMM" : "F16 GEMM");
    gemm_epilogue(l, EpilogueArgs{y, n, T, n, two, 1.0f / lo_mul, inv_scale, b ? b + n0 : nullptr,
                                  o + n0, out.stride});
  }
}

}  // namespace coil::cuda
