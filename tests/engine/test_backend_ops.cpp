// Cross-backend op conformance (the llama.cpp test-backend-ops pattern): every op of every
// compiled backend against the scalar CPU reference, on random inputs of several shapes
// and weight dtypes: the Conformance cases of the one op table (coil/op_cases.hpp), plus
// graph capture and the reference's fused ops against its unfused sequence. A backend
// that cannot run here (no GPU) is skipped with its reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "coil/error.hpp"
#include "coil/op_cases.hpp"
#include "coil/quants.hpp"
#include "coil/registry.hpp"
#include "coil/tensor_view.hpp"
#include "options.hpp"

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

class OpTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    try {
      dev_ = create_backend(GetParam(), test::backend_options());
    } catch (const Error& e) {
      GTEST_SKIP() << "backend " << GetParam() << " cannot run here: " << e.what();
    }
    ref_ = create_cpu_reference_backend();
    pairs_ = std::make_unique<OpPairs>(*dev_, *ref_, 1234);
  }

  // Every conformance case of `op` (and `variant`) from the one table of op cases
  // (coil/op_cases.hpp, which the GPU self-check runs too). A fused op the backend leaves
  // out must be refused; another op it does not support is skipped. Returns how many ran;
  // `required`: at least one must (an op every backend runs).
  int run_cases(Op op, const std::string& variant = "", bool required = true) {
    int listed = 0, ran = 0;
    for (const OpCase& c : op_cases(OpCoverage::Conformance)) {
      if (c.op != op || c.variant != variant) continue;
      ++listed;
      const std::string where = std::string(dtype_name(c.weight_dtype)) + " " + c.shape;
      if (!dev_->supports(c.op, c.weight_dtype)) {
        if (is_fused_op(op)) {
          EXPECT_THROW(c.run(*pairs_, [](const std::string&, const TensorPair&, double) {}), Error)
              << where;
        }
        continue;
      }
      ++ran;
      c.run(*pairs_, [&](const std::string& what, const TensorPair& out, double tolerance) {
        const OpPairs::Diff d = pairs_->diff(out);
        EXPECT_TRUE(d.finite) << what << ", " << where;
        if (tolerance == 0) {
          EXPECT_EQ(d.rel, 0.0) << what << ", " << where;
        } else {
          EXPECT_LT(d.rel, tolerance) << what << ", " << where;
        }
      });
    }
    EXPECT_GT(listed, 0) << "the op table has no case of " << op_name(op) << " \"" << variant
                         << "\"";
    if (required && !is_fused_op(op)) {
      EXPECT_GT(ran, 0) << op_name(op) << " ran no case";
    }
    return ran;
  }

  TensorPair random(int64_t rows, int64_t cols, float lo = -1, float hi = 1,
                    DType dt = DType::F32) {
    return pairs_->random(rows, cols, lo, hi, dt);
  }
  TensorPair zeros(int64_t rows, int64_t cols) { return pairs_->zeros(rows, cols); }
  double rel_diff(const TensorPair& p) {
    const OpPairs::Diff d = pairs_->diff(p);
    return d.finite ? d.rel : INFINITY;
  }

  std::unique_ptr<Backend> dev_, ref_;
  std::unique_ptr<OpPairs> pairs_;
};

constexpr double kTol = 1e-5;  // F32 ops computed in F32 vs the double-accumulating reference

// Every backend refuses a weight whose bytes are not rows x cols of its dtype (one check,
// coil::checks::upload_weight, shared by all of them).
TEST_P(OpTest, UploadWeightRefusesAWrongSize) {
  const std::vector<float> vals(12, 1.0f);
  TensorView view;
  view.name = "w";
  view.dtype = DType::F32;
  view.shape = {3, 4};
  view.data = vals.data();
  view.nbytes = vals.size() * sizeof(float);
  EXPECT_NO_THROW(dev_->upload_weight(view, 3, 4));
  try {
    dev_->upload_weight(view, 4, 4);
    ADD_FAILURE() << "a 4x4 weight from 12 floats was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight w does not have 4x4 elements"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(dev_->upload_weight(view, -3, -4), Error);
}

TEST_P(OpTest, GetRows) {
  run_cases(Op::GetRows);  // bit-exact
}

TEST_P(OpTest, RmsNorm) {
  run_cases(Op::RmsNorm);
}

TEST_P(OpTest, RmsNormWeightlessInPlaceOnColumnView) {
  // FalconMamba normalises the dt | B | C column slices of x_proj's output in place.
  run_cases(Op::RmsNorm, "weightless, in place on column views");
}

TEST_P(OpTest, MatMul) {
  run_cases(Op::MatMul);
}

// Block-type weights (GGUF's quantizations): every type a backend says it runs, against the
// reference (which computes on the dequantized values, see ReferenceQuantizedWeights).
TEST_P(OpTest, MatMulQuantizedWeights) {
  if (run_cases(Op::MatMul, "block-type weights", /*required=*/false) == 0)
    RecordProperty("block_types", "none (supports() says so)");
}

TEST_P(OpTest, GetRowsQuantizedTable) {
  if (run_cases(Op::GetRows, "block-type weights", /*required=*/false) == 0)
    RecordProperty("block_types", "none (supports() says so)");
}

// Blocks of every bit pattern (random codes, scales and mins: coil::random_blocks), not only
// what a quantizer writes: gathered exactly, multiplied by the GEMV and the GEMM.
TEST_P(OpTest, BlockTypesOfEveryBitPattern) {
  const int ran = run_cases(Op::GetRows, "blocks of every bit pattern", /*required=*/false) +
                  run_cases(Op::MatMul, "blocks of every bit pattern", /*required=*/false);
  if (ran == 0) RecordProperty("block_types", "none (supports() says so)");
}

// Q4_0 / Q8_0 / Q4_K weights of 2 MiB and more given as a model's (upload_weight), which the CPU
// backend stores in row groups of its own (cpu_repack.hpp): every op that reads them.
TEST_P(OpTest, BlockTypeWeightsAsUploaded) {
  const char* v = "block-type weights as uploaded";
  const int ran = run_cases(Op::MatMul, v, false) + run_cases(Op::GetRows, v, false) +
                  run_cases(Op::NormMatMul, v, false) + run_cases(Op::MatMulAdd, v, false);
  if (ran == 0) RecordProperty("block_types", "none (supports() says so)");
}

TEST_P(OpTest, MatMulStridedInputAndOutputViews) {
  // dt_proj reads a column slice of x_proj's output; logits rows are row views.
  run_cases(Op::MatMul, "strided input and output views");
}

TEST_P(OpTest, Conv1dSiluChunkAndStep) {
  run_cases(Op::Conv1dSilu);
}

TEST_P(OpTest, SelectiveScan) {
  run_cases(Op::SelectiveScan);
}

TEST_P(OpTest, Add) {
  run_cases(Op::Add);
}

// --- fused decode ops: a backend that leaves one out says so in supports() and refuses it.

TEST_P(OpTest, NormMatMul) {
  run_cases(Op::NormMatMul);
}

TEST_P(OpTest, MatMulAddAccumulatesIntoTheResidual) {
  run_cases(Op::MatMulAdd);
}

TEST_P(OpTest, ProjScan) {
  run_cases(Op::ProjScan);  // dt_low, B and C are read only: bit-exact
}

// The fused decode ops with block-type weights (every type the backend says it runs): rows
// of whole blocks, x aligned and not (a column view at an odd column), 1 to 4 tokens.
TEST_P(OpTest, NormMatMulAndMatMulAddQuantizedWeights) {
  run_cases(Op::NormMatMul, "block-type weights");
  run_cases(Op::MatMulAdd, "block-type weights");
}

// proj_scan with a block-type dt_proj (R whole blocks).
TEST_P(OpTest, ProjScanQuantizedDtProj) {
  if (run_cases(Op::ProjScan, "block-type dt_proj") == 0)
    RecordProperty("block_types", "none (supports() says so)");
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
    pairs_->refill(x, -1, 1);
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
    ProjScanArgs p{{xs, {}, dtb, A, dbc.cols_view(R, N), dbc.cols_view(R + N, N), Ds, z, s1, y1},
                   dbc.cols_view(0, R),
                   dtp,
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
