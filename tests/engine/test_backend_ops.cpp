// Cross-backend op conformance (the llama.cpp test-backend-ops pattern): every op of every
// compiled backend against the scalar CPU reference, on random inputs of several shapes
// and weight dtypes. A backend that cannot run here (no GPU) is skipped with its reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/error.hpp"
#include "coil/quants.hpp"

namespace coil {
namespace {

struct Rng {
  std::mt19937 gen{1234};
  std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(gen);
    return v;
  }
};

// Host data of dtype `dt` holding `vals` (rounded, or quantized for a block type).
std::vector<uint8_t> encode(const std::vector<float>& vals, DType dt) {
  const auto n = static_cast<int64_t>(vals.size());
  std::vector<uint8_t> out(dtype_row_bytes(dt, n));
  quantize_row(dt, vals.data(), out.data(), n);
  return out;
}

// The same tensor on two backends.
struct Pair {
  Tensor ref, dev;
};

class OpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    try {
      dev_ = create_backend(GetParam(), {});
    } catch (const Error& e) {
      GTEST_SKIP() << "backend " << GetParam() << " cannot run here: " << e.what();
    }
    ref_ = create_cpu_reference_backend();
  }

  Pair make(DType dt, int64_t rows, int64_t cols, const std::vector<float>& vals) {
    auto bytes = encode(vals, dt);
    Pair p{ref_->alloc(dt, rows, cols), dev_->alloc(dt, rows, cols)};
    ref_->upload(p.ref, bytes.data());
    dev_->upload(p.dev, bytes.data());
    return p;
  }
  Pair random(int64_t rows, int64_t cols, float lo = -1, float hi = 1, DType dt = DType::F32) {
    return make(dt, rows, cols, rng_.uniform(rows * cols, lo, hi));
  }
  Pair zeros(int64_t rows, int64_t cols) {
    return make(DType::F32, rows, cols, std::vector<float>(rows * cols, 0.f));
  }

  // A = -exp(A_log) of a trained Mamba: negative, growing with n (S4D-real init)
  Pair decay_rates(int64_t D, int64_t N) {
    std::vector<float> a(D * N);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t n = 0; n < N; ++n) a[d * N + n] = -float(n + 1) * (0.5f + 0.01f * d);
    return make(DType::F32, D, N, a);
  }

  // max |dev - ref| / max |ref| over the whole tensor
  double rel_diff(const Pair& p) {
    std::vector<float> a(p.ref.rows * p.ref.cols), b(a.size());
    ref_->download(p.ref, a.data());
    dev_->download(p.dev, b.data());
    double md = 0, mr = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!std::isfinite(b[i])) return INFINITY;
      md = std::max(md, double(std::fabs(a[i] - b[i])));
      mr = std::max(mr, double(std::fabs(a[i])));
    }
    return mr > 0 ? md / mr : md;
  }

  std::unique_ptr<Backend> dev_, ref_;
  Rng rng_;
};

constexpr double kTol = 1e-5;  // F32 ops computed in F32 vs the double-accumulating reference

TEST_P(OpTest, GetRows) {
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    if (!dev_->supports(Op::GetRows, dt)) continue;
    auto table = random(50, 24, -2, 2, dt);
    std::vector<int32_t> ids{3, 0, 49, 7, 7, 12};
    Pair id{ref_->alloc(DType::I32, 1, 6), dev_->alloc(DType::I32, 1, 6)};
    ref_->upload(id.ref, ids.data());
    dev_->upload(id.dev, ids.data());
    auto out = zeros(6, 24);
    ref_->get_rows(table.ref, id.ref, out.ref);
    dev_->get_rows(table.dev, id.dev, out.dev);
    EXPECT_EQ(rel_diff(out), 0.0) << dtype_name(dt);
  }
}

TEST_P(OpTest, RmsNorm) {
  for (int64_t H : {1, 16, 64, 300, 4096}) {
    auto x = random(5, H, -3, 3);
    auto w = random(1, H, 0.5, 1.5);
    auto out = zeros(5, H);
    ref_->rms_norm(x.ref, &w.ref, 1e-5f, out.ref);
    dev_->rms_norm(x.dev, &w.dev, 1e-5f, out.dev);
    EXPECT_LT(rel_diff(out), kTol) << "H=" << H;
  }
}

TEST_P(OpTest, RmsNormWeightlessInPlaceOnColumnView) {
  // FalconMamba normalises the dt | B | C column slices of x_proj's output in place.
  auto dbc = random(7, 4 + 2 * 16, -2, 2);
  for (auto [c0, n] : {std::pair<int64_t, int64_t>{0, 4}, {4, 16}, {20, 16}}) {
    Tensor r = dbc.ref.cols_view(c0, n), d = dbc.dev.cols_view(c0, n);
    ref_->rms_norm(r, nullptr, 1e-6f, r);
    dev_->rms_norm(d, nullptr, 1e-6f, d);
  }
  EXPECT_LT(rel_diff(dbc), kTol);
}

TEST_P(OpTest, MatMul) {
  struct Shape { int64_t T, K, N; };
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    if (!dev_->supports(Op::MatMul, dt)) continue;
    for (Shape s : {Shape{1, 64, 48}, Shape{1, 1000, 37}, Shape{3, 33, 17}, Shape{17, 256, 130},
                    Shape{64, 512, 96}, Shape{1, 4096, 64}, Shape{200, 64, 300}}) {
      auto x = random(s.T, s.K);
      auto w = random(s.N, s.K, -0.5, 0.5, dt);
      auto b = random(1, s.N);
      auto out = zeros(s.T, s.N);
      ref_->matmul(x.ref, w.ref, &b.ref, out.ref);
      dev_->matmul(x.dev, w.dev, &b.dev, out.dev);
      EXPECT_LT(rel_diff(out), 1e-4) << dtype_name(dt) << " T=" << s.T << " K=" << s.K
                                     << " N=" << s.N;
    }
  }
}

// Block-type weights (GGUF's quantizations): every type a backend says it runs, against the
// reference (which computes on the dequantized values, see ReferenceQuantizedWeights).
TEST_P(OpTest, MatMulQuantizedWeights) {
  struct Shape {
    int64_t T, K, N;
  };
  int ran = 0;
  for (DType dt : kQuantDTypes) {
    if (!dev_->supports(Op::MatMul, dt)) continue;
    ++ran;
    for (Shape s : {Shape{1, 256, 48}, Shape{1, 4096, 64}, Shape{3, 512, 17}, Shape{17, 256, 130},
                    Shape{64, 512, 96}, Shape{200, 256, 33}}) {
      auto x = random(s.T, s.K);
      auto w = random(s.N, s.K, -0.5, 0.5, dt);
      auto b = random(1, s.N);
      auto out = zeros(s.T, s.N);
      ref_->matmul(x.ref, w.ref, &b.ref, out.ref);
      dev_->matmul(x.dev, w.dev, &b.dev, out.dev);
      EXPECT_LT(rel_diff(out), 1e-4)
          << dtype_name(dt) << " T=" << s.T << " K=" << s.K << " N=" << s.N;
    }
  }
  if (ran == 0)  // nothing to compare: the session never gives this backend such weights
    RecordProperty("block_types", "none (supports() says so)");
}

TEST_P(OpTest, GetRowsQuantizedTable) {
  int ran = 0;
  for (DType dt : kQuantDTypes) {
    if (!dev_->supports(Op::GetRows, dt)) continue;
    ++ran;
    auto table = random(40, 512, -2, 2, dt);
    std::vector<int32_t> ids{3, 0, 39, 7, 7};
    Pair id{ref_->alloc(DType::I32, 1, 5), dev_->alloc(DType::I32, 1, 5)};
    ref_->upload(id.ref, ids.data());
    dev_->upload(id.dev, ids.data());
    auto out = zeros(5, 512);
    ref_->get_rows(table.ref, id.ref, out.ref);
    dev_->get_rows(table.dev, id.dev, out.dev);
    EXPECT_EQ(rel_diff(out), 0.0) << dtype_name(dt);
  }
  if (ran == 0)  // nothing to compare: the session never gives this backend such weights
    RecordProperty("block_types", "none (supports() says so)");
}

TEST_P(OpTest, MatMulStridedInputAndOutputViews) {
  // dt_proj reads a column slice of x_proj's output; logits rows are row views.
  auto src = random(9, 40);
  auto w = random(24, 8, -1, 1, DType::F32);
  auto out = zeros(9, 30);
  Tensor xr = src.ref.cols_view(3, 8), xd = src.dev.cols_view(3, 8);
  ref_->matmul(xr, w.ref, nullptr, out.ref.cols_view(2, 24));
  dev_->matmul(xd, w.dev, nullptr, out.dev.cols_view(2, 24));
  EXPECT_LT(rel_diff(out), kTol);
}

TEST_P(OpTest, Conv1dSiluChunkAndStep) {
  for (int64_t T : {1, 2, 5, 64}) {
    const int64_t D = 48, K = 4;
    auto xz = random(T, 2 * D);  // the conv reads the first half of in_proj's output
    auto w = random(D, K);
    auto b = random(1, D);
    auto st = random(K - 1, D);
    auto out = zeros(T, D);
    ref_->conv1d_silu(xz.ref.cols_view(0, D), w.ref, &b.ref, st.ref, out.ref);
    dev_->conv1d_silu(xz.dev.cols_view(0, D), w.dev, &b.dev, st.dev, out.dev);
    EXPECT_LT(rel_diff(out), kTol) << "T=" << T;
    EXPECT_LT(rel_diff(st), kTol) << "state after T=" << T;
  }
}

TEST_P(OpTest, SelectiveScan) {
  for (int64_t T : {1, 3, 64, 130}) {
    const int64_t D = 40, N = 16, R = 4;
    auto x = random(T, D);
    auto dt = random(T, D, -4, 2);
    auto dt_bias = random(1, D, -1, 1);
    auto A = decay_rates(D, N);
    auto dbc = random(T, R + 2 * N);
    auto Ds = random(1, D);
    auto xz = random(T, 2 * D);
    auto st = random(D, N, -0.5, 0.5);
    auto out = zeros(T, D);
    auto args = [&](bool ref) {
      auto pick = [ref](const Pair& p) { return ref ? p.ref : p.dev; };
      ScanArgs s;
      s.x = pick(x);
      s.dt = pick(dt);
      s.dt_bias = pick(dt_bias);
      s.A = pick(A);
      s.B = pick(dbc).cols_view(R, N);
      s.C = pick(dbc).cols_view(R + N, N);
      s.Dskip = pick(Ds);
      s.z = pick(xz).cols_view(D, D);
      s.state = pick(st);
      s.out = pick(out);
      return s;
    };
    ref_->selective_scan(args(true));
    dev_->selective_scan(args(false));
    EXPECT_LT(rel_diff(out), 1e-4) << "T=" << T;
    EXPECT_LT(rel_diff(st), 1e-4) << "state after T=" << T;
  }
}

TEST_P(OpTest, Add) {
  auto a = random(6, 70), b = random(6, 70);
  ref_->add(a.ref, b.ref);
  dev_->add(a.dev, b.dev);
  EXPECT_LT(rel_diff(a), kTol);
}

// --- fused decode ops: a backend that leaves one out says so in supports() and refuses it.

TEST_P(OpTest, NormMatMul) {
  struct Shape {
    int64_t T, K, N;
  };
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    for (Shape s : {Shape{1, 64, 48}, Shape{1, 1000, 37}, Shape{1, 4096, 130}, Shape{3, 33, 17},
                    Shape{1, 4, 300}}) {
      auto x = random(s.T, s.K, -3, 3);
      auto nw = random(1, s.K, 0.5, 1.5);
      auto w = random(s.N, s.K, -0.5, 0.5, dt);
      auto b = random(1, s.N);
      auto out = zeros(s.T, s.N);
      if (!dev_->supports(Op::NormMatMul, dt)) {
        EXPECT_THROW(dev_->norm_matmul(x.dev, nw.dev, 1e-5f, w.dev, &b.dev, out.dev), Error);
        continue;
      }
      const bool with_bias = s.N % 2 == 0;
      ref_->norm_matmul(x.ref, nw.ref, 1e-5f, w.ref, with_bias ? &b.ref : nullptr, out.ref);
      dev_->norm_matmul(x.dev, nw.dev, 1e-5f, w.dev, with_bias ? &b.dev : nullptr, out.dev);
      EXPECT_LT(rel_diff(out), 1e-4)
          << dtype_name(dt) << " T=" << s.T << " K=" << s.K << " N=" << s.N;
    }
  }
}

TEST_P(OpTest, MatMulAddAccumulatesIntoTheResidual) {
  struct Shape {
    int64_t T, K, N;
  };
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    for (Shape s : {Shape{1, 64, 48}, Shape{1, 8192, 96}, Shape{1, 1000, 37}, Shape{4, 33, 17}}) {
      auto x = random(s.T, s.K);
      auto w = random(s.N, s.K, -0.5, 0.5, dt);
      auto b = random(1, s.N);
      auto out = random(s.T, s.N, -4, 4);  // the residual stream, accumulated into
      if (!dev_->supports(Op::MatMulAdd, dt)) {
        EXPECT_THROW(dev_->matmul_add(x.dev, w.dev, &b.dev, out.dev), Error);
        continue;
      }
      const bool with_bias = s.K % 2 == 1;
      ref_->matmul_add(x.ref, w.ref, with_bias ? &b.ref : nullptr, out.ref);
      dev_->matmul_add(x.dev, w.dev, with_bias ? &b.dev : nullptr, out.dev);
      EXPECT_LT(rel_diff(out), 1e-4)
          << dtype_name(dt) << " T=" << s.T << " K=" << s.K << " N=" << s.N;
    }
  }
}

TEST_P(OpTest, ProjScan) {
  struct Shape {
    int64_t T, D, N, R;
    bool norm;
  };
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    for (Shape s :
         {Shape{1, 40, 16, 4, true}, Shape{1, 300, 16, 256, true}, Shape{3, 40, 16, 33, false},
          Shape{1, 24, 5, 8, true}, Shape{20, 72, 16, 12, true}, Shape{1, 16, 64, 4, false}}) {
      const int64_t T = s.T, D = s.D, N = s.N, R = s.R;
      auto x = random(T, D);
      auto dbc = random(T, R + 2 * N, -2, 2);
      auto dt_proj = random(D, R, -0.5, 0.5, dt);
      auto dt_bias = random(1, D, -1, 1);
      auto A = decay_rates(D, N);
      auto Ds = random(1, D);
      auto xz = random(T, 2 * D);
      auto st = random(D, N, -0.5, 0.5);
      auto out = zeros(T, D);
      auto args = [&](bool ref) {
        auto pick = [ref](const Pair& p) { return ref ? p.ref : p.dev; };
        ProjScanArgs p;
        p.x = pick(x);
        p.dt_low = pick(dbc).cols_view(0, R);
        p.dt_proj = pick(dt_proj);
        p.dt_bias = pick(dt_bias);
        p.A = pick(A);
        p.B = pick(dbc).cols_view(R, N);
        p.C = pick(dbc).cols_view(R + N, N);
        p.Dskip = pick(Ds);
        p.z = pick(xz).cols_view(D, D);
        p.state = pick(st);
        p.out = pick(out);
        p.norm_dt_bc = s.norm;
        p.norm_eps = 1e-6f;
        return p;
      };
      const std::string what = std::string(dtype_name(dt)) + " T=" + std::to_string(T) +
                               " D=" + std::to_string(D) + " N=" + std::to_string(N) +
                               " R=" + std::to_string(R) + (s.norm ? " norm" : "");
      if (!dev_->supports(Op::ProjScan, dt)) {
        EXPECT_THROW(dev_->proj_scan(args(false)), Error) << what;
        continue;
      }
      ref_->proj_scan(args(true));
      dev_->proj_scan(args(false));
      EXPECT_LT(rel_diff(out), 1e-4) << what;
      EXPECT_LT(rel_diff(st), 1e-4) << "state, " << what;
      EXPECT_EQ(rel_diff(dbc), 0.0) << "dt_low, B and C are read only, " << what;
    }
  }
}

TEST_P(OpTest, FusedOpsReplayInACapturedGraph) {
  auto h = random(1, 64, -2, 2);
  auto nw = random(1, 64, 0.5, 1.5);
  auto w1 = random(96, 64, -0.5, 0.5, DType::BF16);
  auto w2 = random(64, 96, -0.5, 0.5, DType::BF16);
  auto mid = zeros(1, 96);
  if (!dev_->supports(Op::NormMatMul, DType::BF16) ||
      !dev_->supports(Op::MatMulAdd, DType::BF16)) {  // the session runs the unfused ops
    EXPECT_THROW(dev_->matmul_add(mid.dev, w2.dev, nullptr, h.dev), Error);
    return;
  }
  auto step = [&](Backend& be, bool ref) {
    be.norm_matmul(ref ? h.ref : h.dev, ref ? nw.ref : nw.dev, 1e-5f, ref ? w1.ref : w1.dev,
                   nullptr, ref ? mid.ref : mid.dev);
    be.matmul_add(ref ? mid.ref : mid.dev, ref ? w2.ref : w2.dev, nullptr, ref ? h.ref : h.dev);
  };
  auto graph = dev_->capture([&] { step(*dev_, false); });
  for (int i = 0; i < 3; ++i) {  // the residual h carries from replay to replay
    step(*ref_, true);
    graph->replay();
    EXPECT_LT(rel_diff(h), 1e-4) << "replay " << i;
  }
}

TEST_P(OpTest, CapturedGraphReplaysWithNewInputs) {
  // The decode step is recorded once and replayed with new inputs uploaded in between.
  auto x = random(1, 64);
  auto w = random(32, 64, -1, 1, DType::F32);
  auto out = zeros(1, 32);
  auto graph = dev_->capture([&] { dev_->matmul(x.dev, w.dev, nullptr, out.dev); });
  for (int i = 0; i < 3; ++i) {
    auto v = rng_.uniform(64, -1, 1);
    ref_->upload(x.ref, v.data());
    dev_->upload(x.dev, v.data());
    ref_->matmul(x.ref, w.ref, nullptr, out.ref);
    graph->replay();
    EXPECT_LT(rel_diff(out), kTol) << "replay " << i;
  }
}

std::vector<std::string> backends_under_test() {
  std::vector<std::string> out;
  for (const auto& b : compiled_backends())
    if (b != "cpu-ref") out.push_back(b);
  return out;
}

// The reference's fused ops against its own unfused sequence (what the session runs on
// backends without them), so the fused reference itself is checked.
TEST(ReferenceFusedOps, MatchTheUnfusedSequence) {
  auto be = create_cpu_reference_backend();
  Rng rng;
  auto put = [&](DType dt, int64_t r, int64_t c, float lo, float hi) {
    Tensor t = be->alloc(dt, r, c);
    auto bytes = encode(rng.uniform(r * c, lo, hi), dt);
    be->upload(t, bytes.data());
    return t;
  };
  auto get = [&](const Tensor& t) {
    std::vector<float> v(t.rows * t.cols);
    be->download(t, v.data());
    return v;
  };
  auto max_rel = [](const std::vector<float>& a, const std::vector<float>& b) {
    double md = 0, mr = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      md = std::max(md, double(std::fabs(a[i] - b[i])));
      mr = std::max(mr, double(std::fabs(a[i])));
    }
    return md / mr;
  };
  const int64_t T = 3, D = 24, N = 16, R = 8, H = 20;
  // norm_matmul == rms_norm then matmul; matmul_add == matmul then add
  Tensor x = put(DType::F32, T, H, -2, 2), nw = put(DType::F32, 1, H, 0.5, 1.5);
  Tensor w = put(DType::BF16, D, H, -1, 1), bias = put(DType::F32, 1, D, -1, 1);
  Tensor fused = be->alloc(DType::F32, T, D), xn = be->alloc(DType::F32, T, H);
  Tensor plain = be->alloc(DType::F32, T, D);
  be->norm_matmul(x, nw, 1e-5f, w, &bias, fused);
  be->rms_norm(x, &nw, 1e-5f, xn);
  be->matmul(xn, w, &bias, plain);
  EXPECT_LT(max_rel(get(plain), get(fused)), 1e-6);
  Tensor w2 = put(DType::F16, H, D, -1, 1), acc = put(DType::F32, T, H, -3, 3);
  Tensor acc2 = be->alloc(DType::F32, T, H), prod = be->alloc(DType::F32, T, H);
  be->upload(acc2, get(acc).data());
  be->matmul_add(fused, w2, nullptr, acc);
  be->matmul(fused, w2, nullptr, prod);
  be->add(acc2, prod);
  EXPECT_LT(max_rel(get(acc2), get(acc)), 1e-6);
  // proj_scan == (norms,) dt_proj matmul, then selective_scan
  for (bool norm : {false, true}) {
    Tensor xs = put(DType::F32, T, D, -1, 1), dbc = put(DType::F32, T, R + 2 * N, -2, 2);
    Tensor dtp = put(DType::BF16, D, R, -0.5, 0.5), dtb = put(DType::F32, 1, D, -1, 1);
    Tensor A = put(DType::F32, D, N, -2, -0.1), Ds = put(DType::F32, 1, D, -1, 1);
    Tensor z = put(DType::F32, T, D, -1, 1);
    Tensor s1 = put(DType::F32, D, N, -0.5, 0.5), s2 = be->alloc(DType::F32, D, N);
    be->upload(s2, get(s1).data());
    Tensor y1 = be->alloc(DType::F32, T, D), y2 = be->alloc(DType::F32, T, D);
    ProjScanArgs p{xs,
                   dbc.cols_view(0, R),
                   dtp,
                   dtb,
                   A,
                   dbc.cols_view(R, N),
                   dbc.cols_view(R + N, N),
                   Ds,
                   z,
                   s1,
                   y1,
                   norm,
                   1e-6f};
    be->proj_scan(p);
    if (norm)
      for (auto [c0, n] : {std::pair<int64_t, int64_t>{0, R}, {R, N}, {R + N, N}})
        be->rms_norm(dbc.cols_view(c0, n), nullptr, 1e-6f, dbc.cols_view(c0, n));
    Tensor dt = be->alloc(DType::F32, T, D);
    be->matmul(dbc.cols_view(0, R), dtp, nullptr, dt);
    ScanArgs s{xs, dt, dtb, A, dbc.cols_view(R, N), dbc.cols_view(R + N, N), Ds, z, s2, y2};
    be->selective_scan(s);
    EXPECT_LT(max_rel(get(y2), get(y1)), 1e-5) << (norm ? "with" : "without") << " norm";
    EXPECT_LT(max_rel(get(s2), get(s1)), 1e-5) << (norm ? "with" : "without") << " norm";
  }
}

// The reference runs block-type weights as exactly their dequantized values: the same
// result, bit for bit, as an F32 matmul / get_rows / proj_scan on dequantize_row's output.
TEST(ReferenceQuantizedWeights, AreTheirDequantizedValues) {
  auto be = create_cpu_reference_backend();
  Rng rng;
  const int64_t T = 3, K = 512, N = 20;
  Tensor x = be->alloc(DType::F32, T, K);
  be->upload(x, rng.uniform(T * K, -1, 1).data());
  for (DType dt : kQuantDTypes) {
    ASSERT_TRUE(be->supports(Op::MatMul, dt)) << dtype_name(dt);
    const std::vector<uint8_t> q = encode(rng.uniform(N * K, -0.5, 0.5), dt);
    std::vector<float> deq(N * K);
    dequantize_row(dt, q.data(), deq.data(), N * K);
    Tensor wq = be->alloc(dt, N, K), wf = be->alloc(DType::F32, N, K);
    be->upload(wq, q.data());
    be->upload(wf, deq.data());
    Tensor a = be->alloc(DType::F32, T, N), b = be->alloc(DType::F32, T, N);
    be->matmul(x, wq, nullptr, a);
    be->matmul(x, wf, nullptr, b);
    std::vector<float> va(T * N), vb(T * N);
    be->download(a, va.data());
    be->download(b, vb.data());
    EXPECT_EQ(va, vb) << dtype_name(dt);
    std::vector<int32_t> ids{N - 1, 0};
    Tensor id = be->alloc(DType::I32, 1, 2), rows = be->alloc(DType::F32, 2, K);
    be->upload(id, ids.data());
    be->get_rows(wq, id, rows);
    std::vector<float> got(2 * K);
    be->download(rows, got.data());
    EXPECT_TRUE(std::equal(got.begin(), got.begin() + K, deq.begin() + (N - 1) * K))
        << dtype_name(dt);
    EXPECT_TRUE(std::equal(got.begin() + K, got.end(), deq.begin())) << dtype_name(dt);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, OpTest, ::testing::ValuesIn(backends_under_test()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace coil
