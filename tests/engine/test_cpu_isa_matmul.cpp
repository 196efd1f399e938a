// The CPU matmul kernels of every instruction set this machine runs (scalar, AVX2, AVX-512,
// and AVX-512 BF16, whose GEMV splits x into bf16 hi + lo) against the scalar reference
// backend, with BF16 weights and fp32 activations spanning fp32's range (denormals to 2^40).
// Bound, per output element:
//   |y - ref| <= 2^-16 * (sum_k |w_k x_k| + |bias|) + 4 K (1 + max|w|) 2^-126.
// 2^-16 is the worst case of the split itself (x - hi - lo, both parts rounded to nearest);
// fp32 accumulation adds about sqrt(K) 2^-24 <= 2^-17 of the sum here, and the last term
// covers the denormals that vdpbf16ps flushes. Rounding the activations to BF16 (the removed
// path) errs by about 2^-9 per product and is shown to break the bound.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "cpu_kernels.hpp"

namespace coil {
namespace {

struct Case {
  int64_t T, K, N, x_pad, y_pad;  // x/y rows are K + x_pad / N + y_pad floats apart
  bool bias;
};

// Activations sign * [1, 2) * 2^e, e uniform in [lo, hi].
float wide(std::mt19937& g, int lo, int hi) {
  std::uniform_int_distribution<int> e(lo, hi);
  std::uniform_real_distribution<float> m(1.f, 2.f);
  return (g() & 1 ? -1.f : 1.f) * std::ldexp(m(g), e(g));
}

struct Data {
  std::vector<float> x, bias;
  std::vector<uint16_t> w;  // BF16 [N, K]
  float w_max = 0;
};

Data make(const Case& c, std::mt19937& g) {
  Data d;
  d.x.assign(c.T * (c.K + c.x_pad), NAN);  // the padding must never be read
  for (int64_t t = 0; t < c.T; ++t)
    for (int64_t k = 0; k < c.K; ++k) {
      float& v = d.x[t * (c.K + c.x_pad) + k];
      if (t % 5 == 1)
        v = wide(g, -149, -120);  // a row of denormals and tiny values
      else if (t % 5 == 2)
        v = wide(g, 20, 40);  // a row of large values
      else if (t % 5 == 3 && k % 3 == 0)
        v = 0.f;  // exact zeros
      else
        v = wide(g, -140, 40);  // everything mixed
    }
  d.w.resize(c.N * c.K);
  for (auto& w : d.w) {
    w = f32_to_bf16(wide(g, -10, 2));
    d.w_max = std::max(d.w_max, std::fabs(bf16_to_f32(w)));
  }
  if (c.bias)
    for (int64_t n = 0; n < c.N; ++n) d.bias.push_back(wide(g, -4, 4));
  return d;
}

// y = x W^T (+ bias) on the scalar reference backend (double accumulation).
std::vector<float> reference(const Case& c, const Data& d) {
  auto be = create_cpu_reference_backend();
  Tensor x = be->alloc(DType::F32, c.T, c.K + c.x_pad), w = be->alloc(DType::BF16, c.N, c.K);
  Tensor b = be->alloc(DType::F32, 1, c.N), y = be->alloc(DType::F32, c.T, c.N);
  be->upload(x, d.x.data());
  be->upload(w, d.w.data());
  if (c.bias) be->upload(b, d.bias.data());
  be->matmul(x.cols_view(0, c.K), w, c.bias ? &b : nullptr, y);
  std::vector<float> out(c.T * c.N);
  be->download(y, out.data());
  return out;
}

// sum_k |w_k x_k| + |bias| for output (t, n); *rounded: the output with x rounded to BF16.
double abs_dot(const Case& c, const Data& d, int64_t t, int64_t n, double* rounded) {
  double s = c.bias ? std::fabs(d.bias[n]) : 0.0, r = 0;
  for (int64_t k = 0; k < c.K; ++k) {
    const double x = d.x[t * (c.K + c.x_pad) + k], w = bf16_to_f32(d.w[n * c.K + k]);
    s += std::fabs(w * x);
    r += w * bf16_to_f32(f32_to_bf16(static_cast<float>(x)));
  }
  *rounded = r + (c.bias ? d.bias[n] : 0.0);
  return s;
}

class IsaMatMul : public ::testing::TestWithParam<std::string> {};

TEST_P(IsaMatMul, BF16WeightsWideRangeActivationsMatchReference) {
  const CpuKernels* k = cpu_kernels_named(GetParam());
  if (!k) {
    // This CPU lacks the set (this machine and CI have all four): nothing of it can run, and
    // the automatic choice must not pick it either.
    EXPECT_NE(std::string(best_cpu_kernels().isa), GetParam())
        << "the automatic choice picked an instruction set this CPU lacks";
    return;
  }
  std::mt19937 g(20240611);
  const std::vector<Case> cases = {
      // T == 1 (decode's GEMV; the split path on avx512bf16): K around whole vectors of 32
      {1, 1, 5, 0, 0, true},
      {1, 31, 7, 0, 0, false},
      {1, 32, 9, 0, 0, true},
      {1, 33, 6, 0, 0, true},
      {1, 64, 48, 0, 0, true},
      {1, 1000, 37, 3, 0, false},
      {1, 4097, 20, 0, 0, true},
      {1, 16384, 3, 0, 0, false},
      // T > 1 (prefill's GEMM): partial panels, tiles and k blocks, strided rows
      {2, 1, 3, 0, 0, true},
      {3, 33, 17, 0, 5, false},
      {17, 256, 130, 0, 0, true},
      {64, 511, 96, 7, 0, false},
      {200, 64, 300, 0, 2, true},
      {130, 1300, 70, 0, 0, true}};
  std::vector<float> scratch(kPackFloats);
  for (const Case& c : cases) {
    const Data d = make(c, g);
    const auto ref = reference(c, d);
    std::vector<float> y(c.T * (c.N + c.y_pad), NAN);
    MatMulArgs a{d.x.data(),
                 c.K + c.x_pad,
                 c.T,
                 c.K,
                 d.w.data(),
                 DType::BF16,
                 c.bias ? d.bias.data() : nullptr,
                 y.data(),
                 c.N + c.y_pad};
    // two column ranges, as the thread pool splits them (one not a multiple of 32 wide)
    const int64_t mid = std::min<int64_t>(c.N, 32 * ((c.N / 2 + 31) / 32));
    k->matmul(a, 0, mid, scratch.data());
    k->matmul(a, mid, c.N, scratch.data());
    const double floor = 4.0 * c.K * (1.0 + d.w_max) * std::ldexp(1.0, -126);
    double worst = 0, worst_rounded = 0;  // error / bound, of the kernel and of BF16 activations
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t n = 0; n < c.N; ++n) {
        double rounded;
        const double bound = std::ldexp(abs_dot(c, d, t, n, &rounded), -16) + floor;
        const double r = ref[t * c.N + n], v = y[t * (c.N + c.y_pad) + n];
        ASSERT_TRUE(std::isfinite(v))
            << GetParam() << " T=" << c.T << " K=" << c.K << " t=" << t << " n=" << n;
        worst = std::max(worst, std::fabs(v - r) / bound);
        worst_rounded = std::max(worst_rounded, std::fabs(rounded - r) / bound);
      }
    EXPECT_LE(worst, 1.0) << GetParam() << " T=" << c.T << " K=" << c.K << " N=" << c.N;
    if (c.K >= 64) {
      EXPECT_GT(worst_rounded, 1.0) << "the bound must reject BF16-rounded activations";
    }
    RecordProperty("T" + std::to_string(c.T) + "_K" + std::to_string(c.K) + "_error_over_bound",
                   std::to_string(worst));
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, IsaMatMul,
                         ::testing::Values("scalar", "avx2", "avx512", "avx512bf16"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace coil
