// BF16-weight GEMV on AVX-512 BF16 (vdpbf16ps) at fp32 accuracy. The fp32 activations x are
// split once per call into bf16 hi = rne(x) and lo = rne(x - hi), so |x - hi - lo| <= 2^-16
// |x|; w*hi and w*lo are exact in fp32, so one vdpbf16ps per part gives the fp32 dot product
// to within that residual. Weights are read as stored: 32 bf16 of a [N, K] row per load,
// each 32-bit lane the pair w[n][k], w[n][k+1] that vdpbf16ps multiplies with x's pair -- no
// widening, against two shifts per 16 weights on the FP32 path. vdpbf16ps and vcvtne2ps2bf16
// flush denormals (inputs and outputs): each flush moves a result by < 2^-126 (1 + |w|).
// Prefill GEMMs stay on the FP32 path: the split's GEMM was measured slower (README).
// Included by cpu_kernels_impl.hpp in translation units compiled with -mavx512bf16 only.
#pragma once
#include <immintrin.h>

#include <algorithm>

#include "cpu_kernels.hpp"

namespace coil::KERNEL_NS::bf16split {

// A mask of the first n (clamped to 0..16) lanes.
inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? 0xffff : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}
inline __m512bh as_bh(__m512i v) {
  return reinterpret_cast<__m512bh>(v);
}
inline __m512 widen_bf16(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// Splits x[0, n) (n <= 32; lanes past n are zero) into 16 hi and 16 lo pair words.
inline void split32(const float* x, int64_t n, uint32_t* hi, uint32_t* lo) {
  const __m512 a = _mm512_maskz_loadu_ps(lanes(n), x);
  const __m512 b = _mm512_maskz_loadu_ps(lanes(n - 16), x + 16);
  const __m512i h = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(b, a));  // a's 16, then b's
  const __m512 ra = _mm512_sub_ps(a, widen_bf16(_mm512_castsi512_si256(h)));
  const __m512 rb = _mm512_sub_ps(b, widen_bf16(_mm512_extracti64x4_epi64(h, 1)));
  _mm512_storeu_si512(hi, h);
  _mm512_storeu_si512(lo, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(rb, ra)));
}

// y[n0, n1) = W x + bias for T == 1: x split into this thread's scratch, then four weight
// rows at a time share each hi and lo load. Returns false (nothing done) when the split x
// does not fit the scratch (K > kPackFloats).
inline bool gemv(const MatMulArgs& a, int64_t n0, int64_t n1, float* scratch) {
  const int64_t K = a.K, kp = (K + 31) / 32 * 16;  // pair words per part, whole vectors
  if (2 * kp > kPackFloats) return false;
  auto* hi = reinterpret_cast<uint32_t*>(scratch);
  uint32_t* lo = hi + kp;
  for (int64_t k = 0; k < K; k += 32)
    split32(a.x + k, std::min<int64_t>(32, K - k), hi + k / 2, lo + k / 2);
  const auto* w = static_cast<const uint16_t*>(a.w);
  const int64_t left = K % 32;  // the last, partial vector of a row
  const __mmask32 tail = static_cast<__mmask32>((uint64_t(1) << left) - 1);
  auto load_w = [&](int64_t n, int64_t k) {
    const uint16_t* p = w + n * K + k;
    return as_bh(k + 32 <= K ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(tail, p));
  };
  auto bias = [&](int64_t n) { return a.bias ? a.bias[n] : 0.f; };
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    __m512 h[4], l[4];  // separate hi and lo sums: independent dependency chains
    for (int i = 0; i < 4; ++i) h[i] = l[i] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 32) {
      const __m512bh xh = as_bh(_mm512_loadu_si512(hi + k / 2));
      const __m512bh xl = as_bh(_mm512_loadu_si512(lo + k / 2));
      for (int i = 0; i < 4; ++i) {
        const __m512bh wv = load_w(n + i, k);
        h[i] = _mm512_dpbf16_ps(h[i], wv, xh);
        l[i] = _mm512_dpbf16_ps(l[i], wv, xl);
      }
    }
    for (int i = 0; i < 4; ++i)
      a.y[n + i] = _mm512_reduce_add_ps(_mm512_add_ps(h[i], l[i])) + bias(n + i);
  }
  for (; n < n1; ++n) {
    __m512 h = _mm512_setzero_ps(), l = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 32) {
      const __m512bh wv = load_w(n, k);
      h = _mm512_dpbf16_ps(h, wv, as_bh(_mm512_loadu_si512(hi + k / 2)));
      l = _mm512_dpbf16_ps(l, wv, as_bh(_mm512_loadu_si512(lo + k / 2)));
    }
    a.y[n] = _mm512_reduce_add_ps(_mm512_add_ps(h, l)) + bias(n);
  }
  return true;
}

}  // namespace coil::KERNEL_NS::bf16split
