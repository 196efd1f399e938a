// The kernels around the prefill GEMM with F16/BF16 weights (see gemm.hpp for the scheme):
// splitting F32 activation rows into a scaled high and low part in the weight dtype, and
// the epilogue that recombines the two products, unscales and adds the bias.
#pragma once
#include <cstdint>

#include "coil/dtype.hpp"
#include "launch.hpp"

namespace coil::cuda {

struct SplitArgs {
  const float* x;  // [T, K], rows x_stride apart
  int64_t x_stride;
  int64_t T, K;
  void* xs;          // [2T, ld] (or [T, ld] when !two) in dtype: rows 0..T-1 high, T..2T-1 low
  int64_t ld;        // >= K
  DType dtype;       // F16 or BF16
  bool two;          // also write the low part
  float lo_mul;      // the low part is stored multiplied by this power of two
  float* inv_scale;  // [T] out: 1 / the row's power-of-two scale
};
void split_activations(const Launch& l, const SplitArgs& a);

struct EpilogueArgs {
  const float* y;  // [2T, ldy] (or [T, ldy]): the products of the high and low rows
  int64_t ldy;
  int64_t T, n;  // n columns of this tile
  bool two;
  float lo_inv;            // 1 / SplitArgs::lo_mul
  const float* inv_scale;  // [T]
  const float* bias;       // [n] or nullptr (already offset to the tile)
  float* out;              // [T, n], rows out_stride apart (offset to the tile)
  int64_t out_stride;
};
void gemm_epilogue(const Launch& l, const EpilogueArgs& a);

// out[t, n] = bias[n] for every row (before a GEMM that accumulates with beta = 1).
void fill_rows(const Launch& l, float* out, int64_t out_stride, int64_t T, int64_t N,
               const float* bias);

}  // namespace coil::cuda
