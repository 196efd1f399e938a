#include "coil/backend.hpp"
#include "coil/error.hpp"
#include "coil/tensor_view.hpp"

namespace coil {

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t Tensor::span_bytes() const {
  if (rows == 0 || cols == 0) return 0;
  return (static_cast<size_t>(rows - 1) * stride + cols) * dtype_size(dtype);
}

Tensor Tensor::cols_view(int64_t first_col, int64_t ncols) const {
  if (first_col < 0 || ncols < 0 || first_col + ncols > cols)
    throw Error("internal: column view [" + std::to_string(first_col) + ", +" +
                std::to_string(ncols) + ") outside a tensor of " + std::to_string(cols) +
                " columns");
  Tensor t = *this;
  t.offset += static_cast<size_t>(first_col) * dtype_size(dtype);
  t.cols = ncols;
  return t;
}

Tensor Tensor::rows_view(int64_t first_row, int64_t nrows) const {
  if (first_row < 0 || nrows < 0 || first_row + nrows > rows)
    throw Error("internal: row view [" + std::to_string(first_row) + ", +" + std::to_string(nrows) +
                ") outside a tensor of " + std::to_string(rows) + " rows");
  Tensor t = *this;
  t.offset += static_cast<size_t>(first_row) * stride * dtype_size(dtype);
  t.rows = nrows;
  return t;
}

}  // namespace coil
