// The CPU matmul kernels of every instruction set this machine runs (scalar, AVX2, AVX-512,
// AVX-512 VNNI) against the scalar reference backend, with BF16 weights and fp32
// activations spanning fp32's range (denormals to 2^40): the few-token kernel (weights
// widened by shift and mask in registers, T <= kDotMaxTokens) and the GEMM (pair-packed
// panels). Bound, per output element:
//   |y - ref| <= 2^-16 * (sum_k |w_k x_k| + |bias|) + 4 K (1 + max|w|) 2^-126.
// Products are exact in fp32 and summed in fp32 (about sqrt(K) 2^-24 <= 2^-17 of the sum
// here); the last term covers denormal inputs and partial sums. Rounding the activations to
// BF16 (a path once tried) errs by about 2^-9 per product and is shown to break the bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "coil/quants.hpp"
#include "cpu_kernels.hpp"
#include "cpu_repack.hpp"

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
      // T == 1 (decode's GEMV): K around whole blocks of 32
      {1, 1, 5, 0, 0, true},
      {1, 31, 7, 0, 0, false},
      {1, 32, 9, 0, 0, true},
      {1, 33, 6, 0, 0, true},
      {1, 64, 48, 0, 0, true},
      {1, 1000, 37, 3, 0, false},
      {1, 4097, 20, 0, 0, true},
      {1, 16384, 3, 0, 0, false},
      // 2..12 tokens (the few-token kernel): token groups and their remainders
      {2, 1, 3, 0, 0, true},
      {3, 33, 17, 0, 5, false},
      {5, 100, 23, 2, 0, true},
      {7, 96, 21, 0, 0, false},
      {12, 77, 40, 0, 0, false},
      // more (prefill's GEMM): partial panels, tiles and k blocks (odd K), strided rows
      {13, 2049, 33, 0, 0, true},
      {17, 256, 130, 0, 0, true},
      {64, 511, 96, 7, 0, false},
      {200, 64, 300, 0, 2, true},
      {130, 1300, 70, 0, 0, true}};
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
    std::vector<float> scratch(kScratchFloats);
    // two column ranges, as the thread pool splits them (one not a multiple of 32 wide); the
    // second as a later chunk of the same thread, whose few-token kernel finds the
    // activations the first prepared in the scratch (MatMulArgs::x_prepared)
    const int64_t mid = std::min<int64_t>(c.N, 32 * ((c.N / 2 + 31) / 32));
    k->matmul(a, 0, mid, scratch.data());
    MatMulArgs later = a;
    later.x_prepared = c.T <= kDotMaxTokens;
    k->matmul(later, mid, c.N, scratch.data());
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

// x rounded as the integer kernels round activations, per block of 32 (see below).
std::vector<float> rounded_to_16_bits(const std::vector<float>& x) {
  std::vector<float> xr(x.size());
  for (size_t b = 0; b < x.size(); b += 32) {
    float amax = 0;
    for (size_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float inv = amax > 0 ? 127.f / amax : 0.f, dx = amax / 127.f;
    for (size_t i = b; i < b + 32; ++i) {
      const float v = x[i] * inv, x8 = std::nearbyint(v);
      const float lo = std::clamp(std::nearbyint((v - x8) * 256.f), -128.f, 127.f);
      xr[i] = static_cast<float>(double(dx) / 256 * (256.0 * x8 + lo));
    }
  }
  return xr;
}

// Block-quantized weights on the sets with integer kernels (quant_ok): each token's x is
// rounded to 16 bits per block of 32 values (dx = max|x| / 127, v = x * (127 / max|x|),
// x8 = rint(v), lo = rint((v - x8) * 256) saturated to int8, x ~ dx / 256 * (256 x8 + lo)),
// and the result must be the product of the dequantized weights with that x (in double)
// to fp32 rounding: every code, scale and offset of every type is unpacked right. The
// rounding itself errs by < 2^-16 of max|x| per value (README, "Quantized weights on the CPU").
TEST_P(IsaMatMul, QuantizedWeightsOn16BitActivations) {
  const CpuKernels* k = cpu_kernels_named(GetParam());
  if (!k) return;  // checked above: the automatic choice never picks it
  std::mt19937 g(7);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  int ran = 0;
  for (DType dt : kQuantDTypes)
    for (int64_t T : {1, 5, 13}) {
      const int64_t K = 512, N = 37;
      if (!k->quant_ok(dt, K)) continue;
      ++ran;
      std::vector<float> x(T * K), xr(T * K), wf(N * K), wd(N * K), y(T * N, NAN);
      for (auto& v : x) v = u(g);
      x[5] = 60.f;  // an outlier: the other values of its block keep 10-11 bits
      xr = rounded_to_16_bits(x);
      for (auto& v : wf) v = u(g);
      const size_t rb = dtype_row_bytes(dt, K);
      std::vector<uint8_t> w(rb * N);
      for (int64_t n = 0; n < N; ++n) {
        quantize_row(dt, wf.data() + n * K, w.data() + n * rb, K);
        dequantize_row(dt, w.data() + n * rb, wd.data() + n * K, K);
      }
      MatMulArgs a{x.data(), K, T, K, w.data(), dt, nullptr, y.data(), N};
      std::vector<float> scratch(kScratchFloats);
      k->matmul(a, 0, 20, scratch.data());  // two column ranges, as two threads
      k->matmul(a, 20, N, scratch.data());
      double md = 0, mr = 0;
      for (int64_t t = 0; t < T; ++t)
        for (int64_t n = 0; n < N; ++n) {
          double r = 0;
          for (int64_t i = 0; i < K; ++i) r += double(xr[t * K + i]) * wd[n * K + i];
          md = std::max(md, std::fabs(r - y[t * N + n]));
          mr = std::max(mr, std::fabs(r));
        }
      EXPECT_LT(md / mr, 1e-5) << GetParam() << " " << dtype_name(dt) << " T=" << T;
    }
  RecordProperty("block_types_checked", std::to_string(ran));
}

// The row-group layout of Q4_0 / Q8_0 / Q4_K (cpu_repack.hpp), which upload_weight makes where a
// set's matmul reads it (groups_ok): packing and unpacking give back every stored byte
// (codes of every bit pattern), and the set's matmul on the layout computes what the
// integer kernels compute on rows as stored (the same bound as above), over row ranges
// that split a group (two threads), with the rows after the last group as stored.
TEST_P(IsaMatMul, QuantizedWeightsInRowGroups) {
  const CpuKernels* k = cpu_kernels_named(GetParam());
  if (!k) return;
  std::mt19937 g(11);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  int ran = 0;
  for (DType dt : {DType::Q4_0, DType::Q8_0, DType::Q4_K})
    for (int64_t K : {dt == DType::Q4_K ? 256 : 64, 512}) {
      const int64_t N = 37, grouped = 32;  // two groups and 5 rows as stored
      ASSERT_TRUE(repack::supported(dt, N, K));
      EXPECT_EQ(repack::grouped_rows(N), grouped);
      const size_t rb = dtype_row_bytes(dt, K), bb = dtype_block_bytes(dt);
      std::vector<float> wf(N * K), wd(N * K);
      for (auto& v : wf) v = u(g);
      std::vector<uint8_t> w(rb * N);
      for (int64_t n = 0; n < N; ++n) quantize_row(dt, wf.data() + n * K, w.data() + n * rb, K);
      // every other block: random codes (and Q4_K's 6-bit scales and mins)
      for (size_t b = 0; b < w.size() / bb; b += 2)
        for (size_t i = dt == DType::Q4_K ? 4 : 2; i < bb; ++i)
          w[b * bb + i] = static_cast<uint8_t>(g());
      for (int64_t n = 0; n < N; ++n) dequantize_row(dt, w.data() + n * rb, wd.data() + n * K, K);
      std::vector<uint8_t> packed(w.size(), 0), back(w.size(), 0);
      repack::pack_groups(dt, K, w.data(), packed.data(), 0, 1);  // as two threads
      repack::pack_groups(dt, K, w.data(), packed.data(), 1, 2);
      std::copy(w.begin() + grouped * rb, w.end(), packed.begin() + grouped * rb);
      EXPECT_NE(packed, w) << "the layout differs from the rows as stored";
      repack::unpack_rows(dt, N, K, packed.data(), 0, N, back.data());
      EXPECT_EQ(back, w) << dtype_name(dt) << " K=" << K;
      std::vector<uint8_t> some(3 * rb);  // rows 15-17: across the groups' boundary
      repack::unpack_rows(dt, N, K, packed.data(), 15, 3, some.data());
      EXPECT_TRUE(std::equal(some.begin(), some.end(), w.begin() + 15 * rb));
      if (!k->groups_ok(dt, N, K)) continue;
      for (int64_t T : {1, 5, 13}) {
        ++ran;
        std::vector<float> x(T * K), y(T * N, NAN);
        for (auto& v : x) v = u(g);
        const std::vector<float> xr = rounded_to_16_bits(x);
        MatMulArgs a{x.data(), K, T, K, packed.data(), dt, nullptr, y.data(), N};
        a.grouped_rows = grouped;
        std::vector<float> scratch(kScratchFloats);
        k->matmul(a, 0, 20, scratch.data());
        k->matmul(a, 20, N, scratch.data());
        double md = 0, mr = 0;
        for (int64_t t = 0; t < T; ++t)
          for (int64_t n = 0; n < N; ++n) {
            double r = 0;
            for (int64_t i = 0; i < K; ++i) r += double(xr[t * K + i]) * wd[n * K + i];
            md = std::max(md, std::fabs(r - y[t * N + n]));
            mr = std::max(mr, std::fabs(r));
          }
        EXPECT_LT(md / mr, 1e-5) << GetParam() << " " << dtype_name(dt) << " K=" << K << " T=" << T;
      }
    }
  RecordProperty("row_group_cases_checked", std::to_string(ran));
  if (std::string(GetParam()) == "avx512vnni") {
    EXPECT_EQ(ran, 18);
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, IsaMatMul,
                         ::testing::Values("scalar", "avx2", "avx512", "avx512vnni"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace coil
