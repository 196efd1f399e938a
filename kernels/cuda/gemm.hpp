// Prefill matmul (T >= 2 rows) through cuBLAS: out = x @ w^T + bias, F32 accumulation.
//
// F32 weights: one cublasGemmEx in plain F32 (no TF32), straight into the strided output.
//
// F16/BF16 weights: cuBLAS needs both operands in one dtype, and rounding the activations
// to BF16 once would cost ~1e-3 relative per matmul (the conformance test allows 1e-4). So
// each activation row is scaled by a power of two and split into hi = round(x) and
// lo = round(x - hi) (stored times 2^8 for BF16, 2^11 for F16), both in the weight dtype;
// one tensor-core GEMM over the 2T stacked rows, with the weights read once and products
// exact in F32, gives x·w to ~2^-17 relative, and an epilogue kernel adds the two halves,
// unscales and adds the bias. This doubles the tensor-core work of a chunk but keeps F32
// accuracy, and the result of a row does not depend on the chunk it came in.
// COIL_CUDA_GEMM=single (environment) uses the hi part alone: half the work, BF16-rounded
// activations (~1e-3), for comparing speed. The product goes through a scratch buffer of at
// most COIL_CUDA_GEMM_SCRATCH_MB (default 64) MiB, tiling N when a chunk needs more.
//
// Block-type weights (Q8_0 .. Q6_K): a tile of weight rows is dequantized into a scratch
// matrix (dequant_rows.cuh, at most COIL_CUDA_GEMM_SCRATCH_MB as well) and multiplied there.
// F32, exactly the reference's values, with the F32 GEMM above: F32-level accuracy (the
// tensor-core split would need the weights split too: a Q8_0 value has up to 18 significant
// bits, neither F16 nor BF16 holds it), at F32 GEMM speed plus the dequantization's write
// and read of the tile. Without the split (COIL_CUDA_GEMM=single): BF16 tiles and BF16
// activations, one tensor-core GEMM (~1e-3), for comparing speed.
#pragma once
#include <cublas_v2.h>

#include <memory>
#include <vector>

#include "coil/backend.hpp"
#include "device_buffer.hpp"
#include "launch.hpp"

namespace coil::cuda {

class Gemm {
 public:
  // `split` and `scratch_cap_bytes` (0 = 64 MiB): BackendOptions::cuda_split_gemm and
  // cuda_gemm_scratch_bytes.
  Gemm(int device, cudaStream_t stream, std::shared_ptr<MemoryStats> stats, bool split,
       size_t scratch_cap_bytes);
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  // `capturing`: inside a graph capture no scratch may be (re)allocated.
  void run(const Launch& l, const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out,
           bool capturing);
  bool split() const { return split_; }
  // The buffers that GEMMs enqueued inside the current capture use (workspace, scratch),
  // handed to the graph and forgotten here: a replay keeps their addresses, so the graph
  // must own them (a scratch that grows later, or the backend's end, must not free them).
  std::vector<std::shared_ptr<Buffer>> take_captured_buffers();

 private:
  void run_blocks(const Launch& l, const Tensor& x, const Tensor& w, const float* bias, float* o,
                  int64_t out_stride, bool capturing);
  void* scratch(std::shared_ptr<DeviceBuffer>& buf, size_t bytes, bool capturing);
  void hold_for_capture(const std::shared_ptr<DeviceBuffer>& buf);

  int device_;
  cudaStream_t stream_;
  std::shared_ptr<MemoryStats> stats_;
  cublasHandle_t handle_ = nullptr;
  std::shared_ptr<DeviceBuffer> workspace_, xs_, scale_, y_, wq_;
  std::vector<std::shared_ptr<Buffer>> captured_;
  bool split_ = true;
  size_t y_cap_bytes_ = size_t(64) << 20;
};

}  // namespace coil::cuda
