#include "backend/op_checks.hpp"

#include <string>

#include "coil/error.hpp"

namespace coil::checks {
namespace {

std::string shape(const Tensor& t) {
  return "[" + std::to_string(t.rows) + ", " + std::to_string(t.cols) + "] " +
         dtype_name(t.dtype);
}

void expect(bool ok, const char* op, const char* what, const Tensor& t) {
  if (!ok) throw Error(std::string("internal: ") + op + ": operand " + what + " has shape " + shape(t));
}

void f32(const char* op, const char* what, const Tensor& t) {
  expect(t.valid() && t.dtype == DType::F32, op, what, t);
}

bool weight_dtype(DType d) { return d == DType::F32 || d == DType::F16 || d == DType::BF16; }

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
  expect(weight.rows == x.cols && weight.cols >= 1 && weight.contiguous(), "conv1d_silu",
         "weight", weight);
  f32("conv1d_silu", "conv_state", conv_state);
  expect(conv_state.rows == weight.cols - 1 && conv_state.cols == x.cols &&
             conv_state.contiguous(),
         "conv1d_silu", "conv_state", conv_state);
  f32("conv1d_silu", "out", out);
  expect(out.rows == x.rows && out.cols == x.cols, "conv1d_silu", "out", out);
  if (bias) {
    f32("conv1d_silu", "bias", *bias);
    expect(bias->rows == 1 && bias->cols == x.cols, "conv1d_silu", "bias", *bias);
  }
}

void selective_scan(const ScanArgs& a) {
  const int64_t T = a.x.rows, D = a.x.cols, N = a.A.cols;
  f32("selective_scan", "x", a.x);
  f32("selective_scan", "dt", a.dt);
  expect(a.dt.rows == T && a.dt.cols == D, "selective_scan", "dt", a.dt);
  f32("selective_scan", "dt_bias", a.dt_bias);
  expect(a.dt_bias.rows == 1 && a.dt_bias.cols == D, "selective_scan", "dt_bias", a.dt_bias);
  f32("selective_scan", "A", a.A);
  expect(a.A.rows == D && a.A.contiguous(), "selective_scan", "A", a.A);
  f32("selective_scan", "B", a.B);
  expect(a.B.rows == T && a.B.cols == N, "selective_scan", "B", a.B);
  f32("selective_scan", "C", a.C);
  expect(a.C.rows == T && a.C.cols == N, "selective_scan", "C", a.C);
  f32("selective_scan", "Dskip", a.Dskip);
  expect(a.Dskip.rows == 1 && a.Dskip.cols == D, "selective_scan", "Dskip", a.Dskip);
  f32("selective_scan", "z", a.z);
  expect(a.z.rows == T && a.z.cols == D, "selective_scan", "z", a.z);
  f32("selective_scan", "state", a.state);
  expect(a.state.rows == D && a.state.cols == N && a.state.contiguous(), "selective_scan",
         "state", a.state);
  f32("selective_scan", "out", a.out);
  expect(a.out.rows == T && a.out.cols == D, "selective_scan", "out", a.out);
}

void add(const Tensor& a, const Tensor& b) {
  f32("add", "a", a);
  f32("add", "b", b);
  expect(a.rows == b.rows && a.cols == b.cols, "add", "b", b);
}

}  // namespace coil::checks
