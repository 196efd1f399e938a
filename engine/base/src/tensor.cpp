#include "coil/backend.hpp"
#include "coil/error.hpp"
#include "coil/tensor_view.hpp"

namespace coil {

int64_t TensorView::numel() const {
  // The readers check shapes when they open a file (limits.hpp, checked_numel); this check
  // keeps a view made any other way from overflowing.
  int64_t n = 1;
  bool zero = false;
  for (int64_t d : shape) {
    if (d == 0) zero = true;
    if (d < 0 || (d > 0 && __builtin_mul_overflow(n, d, &n)))
      throw Error("tensor " + name + " in " + file.string() + ": its shape is impossibly large");
  }
  return zero ? 0 : n;
}

size_t Tensor::span_bytes() const {
  if (rows == 0 || cols == 0) return 0;
  return static_cast<size_t>(rows - 1) * dtype_row_bytes(dtype, stride) +
         dtype_row_bytes(dtype, cols);
}

Tensor Tensor::cols_view(int64_t first_col, int64_t ncols) const {
  if (first_col < 0 || ncols < 0 || first_col + ncols > cols)
    throw Error("internal: column view [" + std::to_string(first_col) + ", +" +
                std::to_string(ncols) + ") outside a tensor of " + std::to_string(cols) +
                " columns");
  Tensor t = *this;
  t.offset += dtype_row_bytes(dtype, first_col);
  t.cols = ncols;
  return t;
}

Tensor Tensor::rows_view(int64_t first_row, int64_t nrows) const {
  if (first_row < 0 || nrows < 0 || first_row + nrows > rows)
    throw Error("internal: row view [" + std::to_string(first_row) + ", +" + std::to_string(nrows) +
                ") outside a tensor of " + std::to_string(rows) + " rows");
  Tensor t = *this;
  t.offset += static_cast<size_t>(first_row) * dtype_row_bytes(dtype, stride);
  t.rows = nrows;
  return t;
}

}  // namespace coil
