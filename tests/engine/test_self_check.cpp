// self_check(): a GPU backend's op-by-op check against the CPU reference before it gets a
// model. It passes on every backend that works here, names the op of a backend that
// computes wrong (or throws), and a GPU backend that fails it is not used: the model falls
// back to the CPU with that reason, or, asked for by name without fallback, refuses to load.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "coil/backend.hpp"
#include "coil/cpu_backend.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/quants.hpp"
#include "coil/self_check.hpp"
#include "golden.hpp"
#include "options.hpp"

namespace coil {
namespace {

// Forwards every op to the CPU backend; tests override one op to make it wrong.
class ForwardingBackend : public Backend {
 public:
  ForwardingBackend() : cpu_(create_cpu_backend(test::backend_options())) {}
  BackendInfo info() const override { return cpu_->info(); }
  bool supports(Op op, DType dt) const override { return cpu_->supports(op, dt); }
  Tensor alloc(DType dt, int64_t r, int64_t c) override { return cpu_->alloc(dt, r, c); }
  void upload(const Tensor& dst, const void* src) override { cpu_->upload(dst, src); }
  void download(const Tensor& src, void* dst) override { cpu_->download(src, dst); }
  size_t allocated_bytes() const override { return cpu_->allocated_bytes(); }
  size_t peak_allocated_bytes() const override { return cpu_->peak_allocated_bytes(); }
  void get_rows(const Tensor& t, const Tensor& ids, const Tensor& out) override {
    cpu_->get_rows(t, ids, out);
  }
  void rms_norm(const Tensor& x, const Tensor* w, float eps, const Tensor& out) override {
    cpu_->rms_norm(x, w, eps, out);
  }
  void matmul(const Tensor& x, const Tensor& w, const Tensor* b, const Tensor& out) override {
    cpu_->matmul(x, w, b, out);
  }
  void conv1d_silu(const Tensor& x, const Tensor& w, const Tensor* b, const Tensor& st,
                   const Tensor& out) override {
    cpu_->conv1d_silu(x, w, b, st, out);
  }
  void selective_scan(const ScanArgs& a) override { cpu_->selective_scan(a); }
  void add(const Tensor& a, const Tensor& b) override { cpu_->add(a, b); }
  void synchronize() override { cpu_->synchronize(); }
  double measure_read_bandwidth_gbps() override { return 1; }

 protected:
  std::unique_ptr<Backend> cpu_;
};

// A classic kernel bug: the bias is left out of the product.
class MatmulWithoutBias : public ForwardingBackend {
  void matmul(const Tensor& x, const Tensor& w, const Tensor*, const Tensor& out) override {
    cpu_->matmul(x, w, nullptr, out);
  }
};

// The state is not carried: every scan starts from zero.
class ScanForgetsTheState : public ForwardingBackend {
  void selective_scan(const ScanArgs& a) override {
    const std::vector<float> zeros(size_t(a.state.rows * a.state.cols), 0.0f);
    cpu_->upload(a.state, zeros.data());
    cpu_->selective_scan(a);
  }
};

// A launch that fails on this device.
class ConvThrows : public ForwardingBackend {
  void conv1d_silu(const Tensor&, const Tensor&, const Tensor*, const Tensor&,
                   const Tensor&) override {
    throw Error("GPU backend: launching conv1d_silu: too many resources requested");
  }
};

class SelfCheckOnBackend : public ::testing::TestWithParam<std::string> {};

TEST_P(SelfCheckOnBackend, PassesWithEveryWeightDtype) {
  std::unique_ptr<Backend> be;
  try {
    be = create_backend(GetParam(), test::backend_options());
  } catch (const Error& e) {
    if (GetParam() == "cuda") GTEST_SKIP() << e.what();  // no NVIDIA driver here
    throw;
  }
  for (DType dt : {DType::F32, DType::F16, DType::BF16})
    EXPECT_EQ(self_check(*be, dt), "") << dtype_name(dt);
  int block_types = 0;  // the block types it runs, with block-sized shapes
  for (DType dt : kQuantDTypes) {
    if (!be->supports(Op::MatMul, dt)) continue;
    ++block_types;
    EXPECT_EQ(self_check(*be, dt), "") << dtype_name(dt);
  }
  if (GetParam() == "vulkan" || GetParam() == "cpu-ref") {
    EXPECT_EQ(block_types, 8);
  }
}

// A wrong block-type kernel is caught like any other: a GEMV that drops the last block of
// each row is named with its dtype.
class MatmulDropsABlock : public ForwardingBackend {
  void matmul(const Tensor& x, const Tensor& w, const Tensor* b, const Tensor& out) override {
    if (!dtype_is_quantized(w.dtype) || x.rows != 1) return cpu_->matmul(x, w, b, out);
    std::vector<float> v(static_cast<size_t>(x.cols));
    cpu_->download(x, v.data());
    std::fill(v.end() - dtype_block_size(w.dtype), v.end(), 0.0f);
    Tensor cut = cpu_->alloc(DType::F32, 1, x.cols);
    cpu_->upload(cut, v.data());
    cpu_->matmul(cut, w, b, out);
  }
};

TEST(SelfCheck, CatchesAWrongBlockTypeKernel) {
  MatmulDropsABlock wrong;
  for (DType dt : {DType::Q4_K, DType::Q8_0}) {
    const std::string why = self_check(wrong, dt);
    EXPECT_EQ(why.rfind(std::string("matmul (") + dtype_name(dt) + ", 1 token) differs", 0), 0u)
        << why;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SelfCheckOnBackend, ::testing::ValuesIn(compiled_backends()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(SelfCheck, NamesTheOpThatComputesWrong) {
  MatmulWithoutBias no_bias;
  const std::string why = self_check(no_bias, DType::BF16);
  EXPECT_EQ(why.rfind("matmul (BF16, 1 token) differs from the CPU reference by ", 0), 0u) << why;
  ScanForgetsTheState no_state;
  const std::string scan = self_check(no_state, DType::F32);
  EXPECT_EQ(scan.rfind("selective_scan (F32, 5 tokens) differs", 0), 0u) << scan;
  ForwardingBackend fine;
  EXPECT_EQ(self_check(fine, DType::F16), "");
}

TEST(SelfCheck, NamesTheOpThatThrows) {
  ConvThrows broken;
  EXPECT_EQ(self_check(broken, DType::F32),
            "conv1d_silu failed: GPU backend: launching conv1d_silu: too many resources "
            "requested");
}

TEST(SelfCheck, TheFaultHookMarksOneOp) {
  ForwardingBackend fine;
  const std::string why = self_check(fine, DType::F32, "add");
  EXPECT_EQ(why.rfind("add differs from the CPU reference", 0), 0u) << why;
  EXPECT_EQ(self_check(fine, DType::F32), "");
}

#ifdef COIL_HAVE_VULKAN
// A GPU backend that fails the check is never handed the model (Vulkan on lavapipe, made to
// fail through the fault hook): with fallback the CPU runs it and says why; asked for by
// name without fallback, the load is refused with the op in the message.
TEST(SelfCheck, AGpuBackendThatFailsIsNotUsed) {
  if (list_devices("vulkan").empty()) GTEST_SKIP() << "no Vulkan device here";
  const auto dir = test::model_dir("falcon-tiny-bf16");
  ModelOptions o = test::options();
  o.backend = "vulkan";
  ASSERT_EQ(Model::open(dir, o, true)->backend().info().name, "vulkan");  // passes normally
  o.self_check_fault = "selective_scan";
  std::unique_ptr<Model> m;
  std::string refused;
  try {
    m = Model::open(dir, o, true);
    Model::open(dir, o, false);
  } catch (const Error& e) {
    refused = e.what();
  }
  o.self_check = false;  // the escape hatch (COIL_SELF_CHECK=0): the check is skipped
  std::string unchecked;
  try {
    unchecked = Model::open(dir, o, false)->backend().info().name;
  } catch (const Error& e) {
    unchecked = e.what();
  }
  ASSERT_TRUE(m);
  EXPECT_EQ(m->backend().info().name, "cpu");
  EXPECT_NE(m->fallback_reason().find("Vulkan backend on "), std::string::npos)
      << m->fallback_reason();
  EXPECT_NE(m->fallback_reason().find("selective_scan (F32, 5 tokens)"), std::string::npos)
      << m->fallback_reason();
  EXPECT_NE(refused.find("refused, it computes wrong results here: selective_scan"),
            std::string::npos)
      << refused;
  EXPECT_EQ(unchecked, "vulkan");
}
#endif

}  // namespace
}  // namespace coil
