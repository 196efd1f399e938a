// Block-type weight rows dequantized into a scratch matrix, for the prefill GEMM (gemm.hpp):
// F32 rounded exactly as the reference (then a plain F32 GEMM: the same values the CPU
// multiplies), or BF16 (COIL_CUDA_GEMM=single: a tensor-core GEMM, ~1e-3).
#pragma once
#include <cstdint>

#include "coil/dtype.hpp"
#include "launch.hpp"

namespace coil::cuda {

struct DequantArgs {
  const void* w;  // [rows, K] of a block type, contiguous, 16-byte aligned
  DType dtype;
  int64_t rows, K;
  void* out;   // [rows, ld] F32 or BF16, 16-byte aligned
  int64_t ld;  // a multiple of 4, >= K
  bool bf16 = false;
};

void dequant_rows(const Launch& l, const DequantArgs& a);

}  // namespace coil::cuda
