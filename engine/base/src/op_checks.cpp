#include "coil/op_checks.hpp"

#include <cstdint>
#include <string>

#include "coil/error.hpp"

namespace coil::checks {
namespace {

std::string shape(const Tensor& t) {
  return "[" + std::to_string(t.rows) + ", " + std::to_string(t.cols) + "] " + dtype_name(t.dtype);
}

void expect(bool ok, const char* op, const char* what, const Tensor& t) {
  if (!ok)
    throw Error(std::string("internal: ") + op + ": operand " + what + " has shape " + shape(t));
}

void f32(const char* op, const char* what, const Tensor& t) {
  expect(t.valid() && t.dtype == DType::F32, op, what, t);
}

// Weights: the float types and the block types (whose rows are whole blocks: Tensor's rule).
bool weight_dtype(DType d) {
  return d == DType::F32 || d == DType::F16 || d == DType::BF16 || dtype_is_quantized(d);
}

}  // namespace

void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) {
  expect(weight_dtype(table.dtype), "get_rows", "table", table);
  expect(ids.dtype == DType::I32 && ids.rows == 1, "get_rows", "ids", ids);
  f32("get_rows", "out", out);
  expect(out.rows == ids.cols && out.cols == table.cols, "get_rows", "out", out);
}

void rms_norm(const Tensor& x, const Tensor* weight, const Tensor& out) {
  f32("rms_norm", "x", x);
  f32("rms_norm", "out", out);
  expect(out.rows == x.rows && out.cols == x.cols, "rms_norm", "out", out);
  if (weight) {
    f32("rms_norm", "weight", *weight);
    expect(weight->rows == 1 && weight->cols == x.cols, "rms_norm", "weight", *weight);
  }
}

void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) {
  f32("matmul", "x", x);
  expect(weight_dtype(w.dtype) && w.contiguous() && w.cols == x.cols, "matmul", "w", w);
  f32("matmul", "out", out);
  expect(out.rows == x.rows && out.cols == w.rows, "matmul", "out", out);
  if (bias) {
    f32("matmul", "bias", *bias);
    expect(bias->rows == 1 && bias->cols == w.rows, "matmul", "bias", *bias);
  }
}

void conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                 const Tensor& conv_state, const Tensor& out) {
  f32("conv1d_silu", "x", x);
  f32("conv1d_silu", "weight", weight);
  expect(weight.rows == x.cols && weight.cols >= 1 && weight.contiguous(), "conv1d_silu", "weight",
         weight);
  f32("conv1d_silu", "conv_state", conv_state);
  expect(conv_state.rows == weight.cols - 1 && conv_state.cols == x.cols && conv_state.contiguous(),
         "conv1d_silu", "conv_state", conv_state);
  f32("conv1d_silu", "out", out);
  expect(out.rows == x.rows && out.cols == x.cols, "conv1d_silu", "out", out);
  if (bias) {
    f32("conv1d_silu", "bias", *bias);
    expect(bias->rows == 1 && bias->cols == x.cols, "conv1d_silu", "bias", *bias);
  }
}

namespace {

// The operands selective_scan and proj_scan share (all but dt).
void scan_operands(const char* op, const ScanArgs& a) {
  const int64_t T = a.x.rows, D = a.x.cols, N = a.A.cols;
  f32(op, "x", a.x);
  f32(op, "dt_bias", a.dt_bias);
  expect(a.dt_bias.rows == 1 && a.dt_bias.cols == D, op, "dt_bias", a.dt_bias);
  f32(op, "A", a.A);
  expect(a.A.rows == D && a.A.contiguous(), op, "A", a.A);
  f32(op, "B", a.B);
  expect(a.B.rows == T && a.B.cols == N, op, "B", a.B);
  f32(op, "C", a.C);
  expect(a.C.rows == T && a.C.cols == N, op, "C", a.C);
  f32(op, "Dskip", a.Dskip);
  expect(a.Dskip.rows == 1 && a.Dskip.cols == D, op, "Dskip", a.Dskip);
  f32(op, "z", a.z);
  expect(a.z.rows == T && a.z.cols == D, op, "z", a.z);
  f32(op, "state", a.state);
  expect(a.state.rows == D && a.state.cols == N && a.state.contiguous(), op, "state", a.state);
  f32(op, "out", a.out);
  expect(a.out.rows == T && a.out.cols == D, op, "out", a.out);
}

}  // namespace

void selective_scan(const ScanArgs& a) {
  scan_operands("selective_scan", a);
  f32("selective_scan", "dt", a.dt);
  expect(a.dt.rows == a.x.rows && a.dt.cols == a.x.cols, "selective_scan", "dt", a.dt);
}

void proj_scan(const ProjScanArgs& a) {
  scan_operands("proj_scan", a.scan);
  f32("proj_scan", "dt_low", a.dt_low);
  expect(a.dt_low.rows == a.scan.x.rows && a.dt_low.cols >= 1, "proj_scan", "dt_low", a.dt_low);
  expect(weight_dtype(a.dt_proj.dtype) && a.dt_proj.contiguous() &&
             a.dt_proj.rows == a.scan.x.cols && a.dt_proj.cols == a.dt_low.cols,
         "proj_scan", "dt_proj", a.dt_proj);
}

void norm_matmul(const Tensor& x, const Tensor& norm_w, const Tensor& w, const Tensor* bias,
                 const Tensor& out) {
  matmul(x, w, bias, out);
  f32("norm_matmul", "norm_w", norm_w);
  expect(norm_w.rows == 1 && norm_w.cols == x.cols, "norm_matmul", "norm_w", norm_w);
}

void add(const Tensor& a, const Tensor& b) {
  f32("add", "a", a);
  f32("add", "b", b);
  expect(a.rows == b.rows && a.cols == b.cols, "add", "b", b);
}

void upload_weight(const TensorView& host, int64_t rows, int64_t cols) {
  bool ok = false;
  try {  // negative, overflowing or (block types) not whole blocks: dtype_tensor_bytes throws
    ok = rows >= 0 && cols >= 0 && dtype_tensor_bytes(host.dtype, rows, cols) == host.nbytes;
  } catch (const Error&) {
  }
  if (!ok)
    throw Error("internal: weight " + host.name + " does not have " + std::to_string(rows) + "x" +
                std::to_string(cols) + " elements");
}

}  // namespace coil::checks
