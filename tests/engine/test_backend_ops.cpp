// Cross-backend op conformance (the llama.cpp test-backend-ops pattern): every op of every
// compiled backend against the scalar CPU reference, on random inputs of several shapes
// and weight dtypes. A backend that cannot run here (no GPU) is skipped with its reason.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/error.hpp"

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

// Host data of dtype `dt` holding `vals` (rounded).
std::vector<uint8_t> encode(const std::vector<float>& vals, DType dt) {
  std::vector<uint8_t> out(vals.size() * dtype_size(dt));
  for (size_t i = 0; i < vals.size(); ++i) {
    if (dt == DType::F32) std::memcpy(&out[i * 4], &vals[i], 4);
    else {
      uint16_t h = dt == DType::BF16 ? f32_to_bf16(vals[i]) : f32_to_f16(vals[i]);
      std::memcpy(&out[i * 2], &h, 2);
    }
  }
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
    std::vector<float> a(D * N);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t n = 0; n < N; ++n) a[d * N + n] = -float(n + 1) * (0.5f + 0.01f * d);
    auto A = make(DType::F32, D, N, a);
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

INSTANTIATE_TEST_SUITE_P(Backends, OpTest, ::testing::ValuesIn(backends_under_test()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace coil
