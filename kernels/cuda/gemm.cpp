#include "gemm.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "coil/error.hpp"
#include "cublas_api.hpp"
#include "cuda_error.hpp"
#include "dequant_rows.cuh"
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
  if (dtype_is_quantized(w.dtype)) return run_blocks(l, x, w, b, o, out.stride, capturing);
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

// Block-type weights: tiles of dequantized rows (see gemm.hpp). x [T, K] F32, w [N, K]; the
// output rows o are out_stride apart; bias [N] or null.
void Gemm::run_blocks(const Launch& l, const Tensor& x, const Tensor& w, const float* b, float* o,
                      int64_t out_stride, bool capturing) {
  const int64_t T = x.rows, K = x.cols, N = w.rows;
  const float one = 1.0f, zero = 0.0f;
  const bool exact = split_;  // split off (COIL_CUDA_GEMM=single): BF16 tiles
  const size_t es = exact ? sizeof(float) : 2;
  // rows per tile: the scratch (and, BF16, the product's T x tile floats) within the cap
  const size_t per_row = size_t(K) * es + (exact ? 0 : size_t(T) * sizeof(float));
  int64_t tile = N;
  if (size_t(N) * per_row > y_cap_bytes_)
    tile = std::min<int64_t>(N, std::max<int64_t>(64, int64_t(y_cap_bytes_ / per_row) / 64 * 64));
  void* wt = scratch(wq_, size_t(tile) * size_t(K) * es, capturing);
  const auto* wp = dptr<const uint8_t>(w);
  const size_t row_bytes = dtype_row_bytes(w.dtype, K);
  if (exact) {
    if (b) fill_rows(l, o, out_stride, T, N, b);
    const float beta = b ? 1.0f : 0.0f;
    for (int64_t n0 = 0; n0 < N; n0 += tile) {
      const int64_t n = std::min(tile, N - n0);
      dequant_rows(l, DequantArgs{wp + size_t(n0) * row_bytes, w.dtype, n, K, wt, K, false});
      check(cublas().gemm_ex(handle_, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(T), int(K), &one, wt,
                             CUDA_R_32F, int(K), dptr<const float>(x), CUDA_R_32F, int(x.stride),
                             &beta, o + n0, CUDA_R_32F, int(out_stride), CUBLAS_COMPUTE_32F,
                             CUBLAS_GEMM_DEFAULT),
            "F32 GEMM of dequantized weights");
    }
    return;
  }
  // K is whole blocks (a multiple of 32), so the activation rows need no padding
  void* xs = scratch(xs_, size_t(T * K) * 2, capturing);
  auto* inv_scale = static_cast<float*>(scratch(scale_, size_t(T) * sizeof(float), capturing));
  split_activations(l, SplitArgs{dptr<const float>(x), x.stride, T, K, xs, K, DType::BF16, false,
                                 256.0f, inv_scale});
  auto* y = static_cast<float*>(scratch(y_, size_t(tile) * size_t(T) * sizeof(float), capturing));
  for (int64_t n0 = 0; n0 < N; n0 += tile) {
    const int64_t n = std::min(tile, N - n0);
    dequant_rows(l, DequantArgs{wp + size_t(n0) * row_bytes, w.dtype, n, K, wt, K, true});
    check(cublas().gemm_ex(handle_, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(T), int(K), &one, wt,
                           CUDA_R_16BF, int(K), xs, CUDA_R_16BF, int(K), &zero, y, CUDA_R_32F,
                           int(n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "BF16 GEMM of dequantized weights");
    gemm_epilogue(l, EpilogueArgs{y, n, T, n, false, 1.0f / 256.0f, inv_scale, b ? b + n0 : nullptr,
                                  o + n0, out_stride});
  }
}

}  // namespace coil::cuda
