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
  const char* isa;  // "avx512bf16", "avx512", "avx2", "scalar"
  // Output columns [n0, n1) of y = x W^T + bias. `scratch` holds kPackFloats floats.
  void (*matmul)(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch);
  // Channels [d0, d1) over all T steps.
  void (*scan)(const ScanPtrs& p, int64_t d0, int64_t d1);
  void (*conv)(const ConvPtrs& p, int64_t d0, int64_t d1);
  // One row: out = x * rsqrt(mean(x^2) + eps) * w (w may be null).
  void (*rms_norm)(const float* x, const float* w, float eps, int64_t n, float* out);
  // Sum of n floats, read as a stream (for measuring memory bandwidth).
  float (*stream_sum)(const float* p, int64_t n);
};

// Floats of per-thread scratch the matmul needs: the GEMM's packed weight panel, or the
// avx512bf16 GEMV's split activations.
constexpr int64_t kPackFloats = 256 * 64;

const CpuKernels& cpu_kernels_scalar();
const CpuKernels& cpu_kernels_avx2();
const CpuKernels& cpu_kernels_avx512();
const CpuKernels& cpu_kernels_avx512bf16();  // AVX-512, BF16-weight GEMV on vdpbf16ps
// The table named `isa` ("scalar", "avx2", "avx512", "avx512bf16") if this CPU runs it, else null.
const CpuKernels* cpu_kernels_named(const std::string& isa);
// The best table this CPU supports (cpuid).
const CpuKernels& best_cpu_kernels();
// BackendOptions::cpu_isa: "" or "auto" = best_cpu_kernels(), else the named table; throws
// coil::Error when this CPU lacks it.
const CpuKernels& cpu_kernels_for(const std::string& isa);

}  // namespace coil
