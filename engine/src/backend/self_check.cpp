#include "coil/self_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "coil/dtype.hpp"
#include "coil/quants.hpp"

namespace coil {

namespace {

constexpr double kTolerance = 1e-3;

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The same tensor on the backend under test and on the CPU reference.
struct Pair {
  Tensor dev, ref;
};

class Checker {
 public:
  Checker(Backend& be, DType wdt)
      : be_(be), ref_(create_cpu_reference_backend()), wdt_(wdt), rng_(20261124) {
    const char* f = std::getenv("COIL_SELF_CHECK_FAULT");
    fault_ = f ? f : "";
  }

  const std::string& failure() const { return failure_; }
  bool failed() const { return !failure_.empty(); }
  void fail(const std::string& why) {
    if (!failed()) failure_ = why;
  }
  DType weight_dtype() const { return wdt_; }
  bool supports(Op op, DType dt = DType::F32) const { return be_.supports(op, dt); }

  // rows x cols of uniform values in [lo, hi], stored in dtype (activations: F32).
  Pair random(int64_t rows, int64_t cols, float lo, float hi, DType dt = DType::F32) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(size_t(rows * cols));
    for (float& x : v) x = u(rng_);
    return make(dt, rows, cols, v);
  }
  Pair zeros(int64_t rows, int64_t cols) {
    return {be_.alloc(DType::F32, rows, cols), ref_->alloc(DType::F32, rows, cols)};
  }
  Pair ids(const std::vector<int32_t>& v) {
    Pair p{be_.alloc(DType::I32, 1, int64_t(v.size())),
           ref_->alloc(DType::I32, 1, int64_t(v.size()))};
    be_.upload(p.dev, v.data());
    ref_->upload(p.ref, v.data());
    return p;
  }
  // New random contents of the same F32 tensor on both sides.
  void refill(const Pair& p, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(size_t(p.dev.rows * p.dev.cols));
    for (float& x : v) x = u(rng_);
    be_.upload(p.dev, v.data());
    ref_->upload(p.ref, v.data());
  }

  // Runs op on both backends; a throw on the device becomes the failure.
  template <class F>
  void run(const std::string& what, F&& op) {
    if (failed()) return;
    try {
      op(be_, false);
    } catch (const std::exception& e) {
      failure_ = what + " failed: " + e.what();
      return;
    }
    op(*ref_, true);
  }

  // Compares a result; the first mismatch is the failure.
  void expect_equal(const std::string& what, const std::string& op, const Pair& p) {
    if (failed()) return;
    std::vector<float> d(size_t(p.dev.rows * p.dev.cols)), r(d.size());
    try {
      be_.download(p.dev, d.data());
    } catch (const std::exception& e) {
      failure_ = what + " failed: " + e.what();
      return;
    }
    ref_->download(p.ref, r.data());
    if (op == fault_)
      for (float& x : d) x += 1.0f;
    double max_diff = 0, max_ref = 0;
    bool finite = true;
    for (size_t i = 0; i < d.size(); ++i) {
      if (!std::isfinite(d[i])) finite = false;
      max_diff = std::max(max_diff, std::fabs(double(d[i]) - r[i]));
      max_ref = std::max(max_ref, std::fabs(double(r[i])));
    }
    const double rel = max_diff / std::max(max_ref, 1e-30);
    if (!finite)
      failure_ = what + " gives non-finite values";
    else if (rel > kTolerance)
      failure_ = what + " differs from the CPU reference by " + short_number(rel) +
                 " (max |diff| / max |ref|; allowed " + short_number(kTolerance) + ")";
  }

 private:
  // rounded to dt, or quantized for a block type (rows of whole blocks)
  Pair make(DType dt, int64_t rows, int64_t cols, const std::vector<float>& v) {
    std::vector<uint8_t> data(dtype_tensor_bytes(dt, rows, cols));
    for (int64_t r = 0; r < rows; ++r)
      quantize_row(dt, v.data() + r * cols, data.data() + r * dtype_row_bytes(dt, cols), cols);
    Pair p{be_.alloc(dt, rows, cols), ref_->alloc(dt, rows, cols)};
    be_.upload(p.dev, data.data());
    ref_->upload(p.ref, data.data());
    return p;
  }

  Backend& be_;
  std::unique_ptr<Backend> ref_;
  DType wdt_;
  std::mt19937 rng_;
  std::string fault_;
  std::string failure_;
};

const Tensor& side(const Pair& p, bool ref) {
  return ref ? p.ref : p.dev;
}

std::string with_dtype(const char* op, DType dt, int64_t T) {
  return std::string(op) + " (" + dtype_name(dt) + ", " + std::to_string(T) +
         (T == 1 ? " token)" : " tokens)");
}

// Shapes: K and H not a multiple of any vector width (tails), N odd; for block-type weights,
// rows of whole blocks (two of the largest, 256 values), and dt_proj's rank one block.
constexpr int64_t kN = 37, kD = 48, kState = 16, kConv = 4;
int64_t k_cols(DType weight_dtype) {
  return dtype_is_quantized(weight_dtype) ? 2 * 256 : 264;
}
int64_t rank(DType weight_dtype) {
  return dtype_is_quantized(weight_dtype) ? dtype_block_size(weight_dtype) : 12;
}

void check_get_rows(Checker& c) {
  const DType dt = c.weight_dtype();
  const int64_t kK = k_cols(dt);
  if (!c.supports(Op::GetRows, dt)) return;
  const Pair table = c.random(10, kK, -1, 1, dt), ids = c.ids({3, 0, 9}), out = c.zeros(3, kK);
  c.run("get_rows",
        [&](Backend& b, bool r) { b.get_rows(side(table, r), side(ids, r), side(out, r)); });
  c.expect_equal(with_dtype("get_rows", dt, 3), "get_rows", out);
}

void check_rms_norm(Checker& c) {
  const int64_t kK = k_cols(c.weight_dtype());
  if (!c.supports(Op::RmsNorm)) return;
  const Pair x = c.random(3, kK, -2, 2), w = c.random(1, kK, 0.5f, 1.5f), out = c.zeros(3, kK);
  c.run("rms_norm",
        [&](Backend& b, bool r) { b.rms_norm(side(x, r), &side(w, r), 1e-5f, side(out, r)); });
  c.expect_equal("rms_norm", "rms_norm", out);
  c.run("rms_norm",
        [&](Backend& b, bool r) { b.rms_norm(side(x, r), nullptr, 1e-6f, side(x, r)); });
  c.expect_equal("rms_norm (weightless, in place)", "rms_norm", x);
}

void check_matmul(Checker& c) {
  const DType dt = c.weight_dtype();
  const int64_t kK = k_cols(dt);
  if (!c.supports(Op::MatMul, dt)) return;
  const Pair w = c.random(kN, kK, -0.5f, 0.5f, dt), bias = c.random(1, kN, -1, 1);
  for (int64_t T : {1, 5}) {
    const Pair x = c.random(T, kK, -1, 1), out = c.zeros(T, kN);
    c.run("matmul", [&](Backend& b, bool r) {
      b.matmul(side(x, r), side(w, r), &side(bias, r), side(out, r));
    });
    c.expect_equal(with_dtype("matmul", dt, T), "matmul", out);
  }
}

void check_conv(Checker& c) {
  if (!c.supports(Op::Conv1dSilu)) return;
  const Pair w = c.random(kD, kConv, -0.5f, 0.5f), bias = c.random(1, kD, -0.2f, 0.2f);
  const Pair state = c.random(kConv - 1, kD, -1, 1);
  for (int64_t T : {5, 1}) {  // a chunk, then a decode step on the state it left
    const Pair x = c.random(T, kD, -1, 1), out = c.zeros(T, kD);
    c.run("conv1d_silu", [&](Backend& b, bool r) {
      b.conv1d_silu(side(x, r), side(w, r), &side(bias, r), side(state, r), side(out, r));
    });
    c.expect_equal(with_dtype("conv1d_silu", DType::F32, T), "conv1d_silu", out);
    c.expect_equal(with_dtype("conv1d_silu state", DType::F32, T), "conv1d_silu", state);
  }
}

// The scan's inputs on both sides (B, C and z as column views of wider tensors, as in the model).
struct ScanInputs {
  int64_t kRank;  // first: the pairs below are sized by it
  Pair x, dt, dt_bias, A, bc, Dskip, xz, state, out;
  ScanInputs(Checker& c, int64_t T)
      : kRank(rank(c.weight_dtype())),
        x(c.random(T, kD, -1, 1)),
        dt(c.random(T, kD, -3, 0)),
        dt_bias(c.random(1, kD, -1, 0)),
        A(c.random(kD, kState, -2, -0.1f)),
        bc(c.random(T, kRank + 2 * kState, -1, 1)),
        Dskip(c.random(1, kD, 0.5f, 1.5f)),
        xz(c.random(T, 2 * kD, -1, 1)),
        state(c.random(kD, kState, -0.5f, 0.5f)),
        out(c.zeros(T, kD)) {}
  ScanArgs args(bool r) const {
    ScanArgs a;
    a.x = side(x, r);
    a.dt = side(dt, r);
    a.dt_bias = side(dt_bias, r);
    a.A = side(A, r);
    a.B = side(bc, r).cols_view(kRank, kState);
    a.C = side(bc, r).cols_view(kRank + kState, kState);
    a.Dskip = side(Dskip, r);
    a.z = side(xz, r).cols_view(kD, kD);
    a.state = side(state, r);
    a.out = side(out, r);
    return a;
  }
};

void check_scan(Checker& c) {
  if (!c.supports(Op::SelectiveScan)) return;
  for (int64_t T : {5, 1}) {
    const ScanInputs in(c, T);
    c.run("selective_scan", [&](Backend& b, bool r) { b.selective_scan(in.args(r)); });
    c.expect_equal(with_dtype("selective_scan", DType::F32, T), "selective_scan", in.out);
    c.expect_equal(with_dtype("selective_scan state", DType::F32, T), "selective_scan", in.state);
  }
}

void check_add(Checker& c) {
  const int64_t kK = k_cols(c.weight_dtype());
  if (!c.supports(Op::Add)) return;
  const Pair a = c.random(3, kK, -1, 1), b = c.random(3, kK, -1, 1);
  c.run("add", [&](Backend& be, bool r) { be.add(side(a, r), side(b, r)); });
  c.expect_equal("add", "add", a);
}

void check_fused(Checker& c) {
  const DType dt = c.weight_dtype();
  const int64_t kK = k_cols(dt), kRank = rank(dt);
  const Pair x = c.random(1, kK, -1, 1), norm_w = c.random(1, kK, 0.5f, 1.5f);
  const Pair w = c.random(kN, kK, -0.5f, 0.5f, dt), bias = c.random(1, kN, -1, 1);
  if (c.supports(Op::NormMatMul, dt)) {
    const Pair out = c.zeros(1, kN);
    c.run("norm_matmul", [&](Backend& b, bool r) {
      b.norm_matmul(side(x, r), side(norm_w, r), 1e-5f, side(w, r), &side(bias, r), side(out, r));
    });
    c.expect_equal(with_dtype("norm_matmul", dt, 1), "norm_matmul", out);
  }
  if (c.supports(Op::MatMulAdd, dt)) {
    const Pair out = c.random(1, kN, -1, 1);
    c.run("matmul_add",
          [&](Backend& b, bool r) { b.matmul_add(side(x, r), side(w, r), nullptr, side(out, r)); });
    c.expect_equal(with_dtype("matmul_add", dt, 1), "matmul_add", out);
  }
  if (c.supports(Op::ProjScan, dt)) {
    const ScanInputs in(c, 1);
    const Pair dt_proj = c.random(kD, kRank, -0.5f, 0.5f, dt);
    c.run("proj_scan", [&](Backend& b, bool r) {
      const ScanArgs s = in.args(r);
      ProjScanArgs a;
      a.x = s.x;
      a.dt_low = side(in.bc, r).cols_view(0, kRank);
      a.dt_proj = side(dt_proj, r);
      a.dt_bias = s.dt_bias;
      a.A = s.A;
      a.B = s.B;
      a.C = s.C;
      a.Dskip = s.Dskip;
      a.z = s.z;
      a.state = s.state;
      a.out = s.out;
      a.norm_dt_bc = true;
      a.norm_eps = 1e-6f;
      b.proj_scan(a);
    });
    c.expect_equal(with_dtype("proj_scan", dt, 1), "proj_scan", in.out);
    c.expect_equal(with_dtype("proj_scan state", dt, 1), "proj_scan", in.state);
  }
}

// The decode step runs as a replayed graph: a replay must see inputs uploaded after capture.
void check_graph(Checker& c, Backend& be) {
  const DType dt = c.weight_dtype();
  const int64_t kK = k_cols(dt);
  if (!c.supports(Op::MatMul, dt) || c.failed()) return;
  const Pair x = c.random(1, kK, -1, 1), w = c.random(kN, kK, -0.5f, 0.5f, dt),
             out = c.zeros(1, kN);
  std::unique_ptr<Graph> graph;
  c.run("a captured graph", [&](Backend& b, bool r) {
    if (!r) graph = b.capture([&] { b.matmul(x.dev, w.dev, nullptr, out.dev); });
  });
  if (!graph) return;
  c.refill(x, -1, 1);
  c.run("a graph replay", [&](Backend& b, bool r) {
    if (r)
      b.matmul(x.ref, w.ref, nullptr, out.ref);
    else
      graph->replay();
  });
  c.expect_equal(with_dtype("a graph replay of matmul", dt, 1), "graph", out);
  try {
    graph.reset();
    be.synchronize();
  } catch (const std::exception& e) {
    c.fail(std::string("releasing a graph failed: ") + e.what());
  }
}

}  // namespace

std::string self_check(Backend& backend, DType weight_dtype) {
  Checker c(backend, weight_dtype);
  check_get_rows(c);
  check_rms_norm(c);
  check_matmul(c);
  check_conv(c);
  check_scan(c);
  check_add(c);
  check_fused(c);
  check_graph(c, backend);
  return c.failure();
}

}  // namespace coil
