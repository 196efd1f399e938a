// Embedding gather: out[t, :] = table[ids[t], :] widened to F32 (a block type dequantized
// exactly as the reference, a thread per unit of quant_block.hpp). An id outside the table
// (the engine checks ids before uploading them) gives a row of zeros, never a wild read.
#pragma once
#include <cstdint>

#include "coil/dtype.hpp"
#include "launch.hpp"

namespace coil::cuda {

struct GetRowsArgs {
  const void* table;  // [vocab, H], rows table_stride elements (a block type: bytes) apart
  DType dtype;        // F32, F16, BF16 or a block type (16-byte aligned table)
  int64_t vocab, table_stride;
  const int32_t* ids;  // [T]
  float* out;          // [T, H], rows out_stride apart
  int64_t out_stride;
  int64_t T, H;
};

void get_rows(const Launch& l, const GetRowsArgs& a);

}  // namespace coil::cuda
