// The CPU backend's kernels, one table per instruction set. Each kernel works on a range
// of output rows/channels so the backend can split it over threads.
#pragma once
#include <cstdint>
#include <string>

#include "coil/dtype.hpp"

namespace coil {

struct MatMulArgs {
  const float* x;  // [T, K], rows x_stride apart
  int64_t x_stride;
  int64_t T, K;
  const void* w;  // [N, K] contiguous, dtype wt
  DType wt;
  const float* bias;  // [N] or null
  float* y;           // [T, N], rows y_stride apart
  int64_t y_stride;
  bool accumulate = false;  // y += x W^T + bias (the residual of matmul_add)
  // RMS-normalise each row of x first (x * rsqrt(mean(x^2) + norm_eps) * norm_w, the fused
  // norm_matmul): only kernels of T <= kDotMaxTokens do it (the backend norms larger x).
  const float* norm_w = nullptr;
  float norm_eps = 0.f;
  // Rows [0, grouped_rows) of w are in the backend's row-group layout (cpu_repack.hpp),
  // only ever set where groups_ok said yes; the rows after them are stored as is.
  int64_t grouped_rows = 0;
  // The scratch already holds these activations as the few-token kernel prepares them (a
  // later chunk of the same matmul on the same thread): only the few-token kernel of a
  // float type reads it, and only when all T tokens fit the scratch at once.
  bool x_prepared = false;
};

struct ScanPtrs {
  const float *x, *dt, *dt_bias, *A, *B, *C, *Dskip, *z;
  float *state, *out;
  int64_t x_stride, dt_stride, B_stride, C_stride, z_stride, out_stride;
  int64_t T, D, N;
};

struct ConvPtrs {
  const float *x, *w, *bias;  // x [T, D] (x_stride), w [D, K], bias [D] or null
  float *state, *out;         // state [K-1, D], out [T, D] (out_stride)
  int64_t x_stride, out_stride;
  int64_t T, D, K;
};

struct CpuKernels {
  const char* isa;  // "avx512vnni", "avx512", "avx2", "scalar"
  // Output columns [n0, n1) of y = x W^T + bias. `scratch`: this thread's, kScratchFloats.
  // Weights of a block type only where quant_ok says so.
  void (*matmul)(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch);
  // Whether matmul takes weights of block type t with rows of K values (on 8-bit
  // activations: cpu_quant.hpp); elsewhere the backend dequantizes them to f32 panels.
  bool (*quant_ok)(DType t, int64_t K);
  // Whether matmul takes W [N, K] of block type t in the row-group layout (cpu_repack.hpp),
  // which upload_weight then makes.
  bool (*groups_ok)(DType t, int64_t N, int64_t K);
  // Channels [d0, d1) over all T steps.
  void (*scan)(const ScanPtrs& p, int64_t d0, int64_t d1);
  void (*conv)(const ConvPtrs& p, int64_t d0, int64_t d1);
  // One row: out = x * rsqrt(mean(x^2) + eps) * w (w may be null).
  void (*rms_norm)(const float* x, const float* w, float eps, int64_t n, float* out);
  // Sum of n floats (n a multiple of 64 * streams), read as `streams` (1, 2, 4, 8 or 16) streams,
  // with the GEMV's software prefetch or without (for measuring memory bandwidth).
  float (*stream_sum)(const float* p, int64_t n, int streams, bool prefetch);
};

// Floats of the GEMM's packed weight panel.
constexpr int64_t kPackFloats = 256 * 64;
// Up to this many tokens a matmul reads the weights as stored (cpu_dot.hpp), beyond it
// the GEMM packs them into panels (cpu_gemm.hpp): the two are level at about 12 tokens
// (README, "CPU decode and short prompts").
constexpr int64_t kDotMaxTokens = 12;
// Floats of each thread's matmul scratch, allocated once (prefill and decode allocate
// nothing): the packed panel, or prepared activations (more tokens x K than fit are done in
// batches that each read the weights again).
// 2 MiB: the prepared 8-bit activations of 85 tokens of K = 8192 (cpu_quant.hpp).
constexpr int64_t kScratchFloats = 512 * 1024;

const CpuKernels& cpu_kernels_scalar();
const CpuKernels& cpu_kernels_avx2();
const CpuKernels& cpu_kernels_avx512();
const CpuKernels& cpu_kernels_avx512vnni();  // AVX-512, block-quantized matmuls on vpdpbusd
// The table named `isa` ("scalar", "avx2", "avx512", "avx512vnni") if this CPU runs it, else null.
const CpuKernels* cpu_kernels_named(const std::string& isa);
// The best table this CPU supports (cpuid).
const CpuKernels& best_cpu_kernels();
// BackendOptions::cpu_isa: "" or "auto" = best_cpu_kernels(), else the named table; throws
// coil::Error when this CPU lacks it.
const CpuKernels& cpu_kernels_for(const std::string& isa);

}  // namespace coil
