// The vector type the CPU kernels are written against. Which one a translation unit gets
// depends on the flags it is compiled with (see engine/CMakeLists.txt): AVX-512 (16 lanes),
// AVX2 + FMA + F16C (8 lanes) or portable scalar code (1 lane). It lives in the including
// file's KERNEL_NS, so no inline function compiled for one instruction set can be merged by
// the linker into the code of another (an unoptimised build keeps them out of line).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "coil/dtype.hpp"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#ifndef KERNEL_NS
#error "define KERNEL_NS (the per-ISA namespace) before including simd.hpp"
#endif

namespace coil::KERNEL_NS::simd {

#if defined(__AVX512F__)
struct Vec {
  static constexpr int W = 16;
  __m512 v;
  static Vec zero() { return {_mm512_setzero_ps()}; }
  static Vec set1(float f) { return {_mm512_set1_ps(f)}; }
  static Vec load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static Vec load_bf16(const uint16_t* p) {
    __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(w, 16))};
  }
  static Vec load_f16(const uint16_t* p) {
    return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))};
  }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  friend Vec operator+(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {_mm512_div_ps(a.v, b.v)}; }
  static Vec fmadd(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
  static Vec round(Vec a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT)}; }
  // 2^n for integral-valued n in [-126, 127]
  static Vec pow2i(Vec n) {
    __m512i i = _mm512_cvtps_epi32(n.v);
    return {
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(i, _mm512_set1_epi32(127)), 23))};
  }
  float sum() const { return _mm512_reduce_add_ps(v); }
};
#elif defined(__AVX2__)
struct Vec {
  static constexpr int W = 8;
  __m256 v;
  static Vec zero() { return {_mm256_setzero_ps()}; }
  static Vec set1(float f) { return {_mm256_set1_ps(f)}; }
  static Vec load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static Vec load_bf16(const uint16_t* p) {
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(w, 16))};
  }
  static Vec load_f16(const uint16_t* p) {
    return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))};
  }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  friend Vec operator+(Vec a, Vec b) { return {_mm256_add_ps(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {_mm256_sub_ps(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {_mm256_mul_ps(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {_mm256_div_ps(a.v, b.v)}; }
  static Vec fmadd(Vec a, Vec b, Vec c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm256_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm256_min_ps(a.v, b.v)}; }
  static Vec round(Vec a) {
    return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
  }
  static Vec pow2i(Vec n) {
    __m256i i = _mm256_cvtps_epi32(n.v);
    return {
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(i, _mm256_set1_epi32(127)), 23))};
  }
  float sum() const {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
#else
struct Vec {
  static constexpr int W = 1;
  float v;
  static Vec zero() { return {0.f}; }
  static Vec set1(float f) { return {f}; }
  static Vec load(const float* p) { return {*p}; }
  static Vec load_bf16(const uint16_t* p) { return {bf16_to_f32(*p)}; }
  static Vec load_f16(const uint16_t* p) { return {f16_to_f32(*p)}; }
  void store(float* p) const { *p = v; }
  friend Vec operator+(Vec a, Vec b) { return {a.v + b.v}; }
  friend Vec operator-(Vec a, Vec b) { return {a.v - b.v}; }
  friend Vec operator*(Vec a, Vec b) { return {a.v * b.v}; }
  friend Vec operator/(Vec a, Vec b) { return {a.v / b.v}; }
  static Vec fmadd(Vec a, Vec b, Vec c) { return {std::fma(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {a.v > b.v ? a.v : b.v}; }
  static Vec min(Vec a, Vec b) { return {a.v < b.v ? a.v : b.v}; }
  static Vec round(Vec a) { return {std::nearbyint(a.v)}; }
  static Vec pow2i(Vec n) { return {std::ldexp(1.0f, static_cast<int>(n.v))}; }
  float sum() const { return v; }
};
#endif

template <DType T>
inline Vec load_as_f32(const void* p, int64_t i) {
  if constexpr (T == DType::F32)
    return Vec::load(static_cast<const float*>(p) + i);
  else if constexpr (T == DType::BF16)
    return Vec::load_bf16(static_cast<const uint16_t*>(p) + i);
  else
    return Vec::load_f16(static_cast<const uint16_t*>(p) + i);
}

template <DType T>
inline float load_scalar(const void* p, int64_t i) {
  if constexpr (T == DType::F32)
    return static_cast<const float*>(p)[i];
  else if constexpr (T == DType::BF16)
    return bf16_to_f32(static_cast<const uint16_t*>(p)[i]);
  else
    return f16_to_f32(static_cast<const uint16_t*>(p)[i]);
}

// exp(x), relative error ~2e-7 over the range the model uses; exp(x < -87) = 0.
inline Vec exp(Vec x) {
  x = Vec::max(Vec::min(x, Vec::set1(88.0f)), Vec::set1(-87.3f));
  const Vec n = Vec::round(x * Vec::set1(1.44269504088896341f));
  // r = x - n ln2, in two parts for accuracy
  Vec r = Vec::fmadd(n, Vec::set1(-0.693359375f), x);
  r = Vec::fmadd(n, Vec::set1(2.12194440e-4f), r);
  // exp(r) on [-ln2/2, ln2/2], degree-6 Taylor/minimax coefficients
  Vec p = Vec::set1(1.3888949e-3f);
  p = Vec::fmadd(p, r, Vec::set1(8.3334519e-3f));
  p = Vec::fmadd(p, r, Vec::set1(4.1665795e-2f));
  p = Vec::fmadd(p, r, Vec::set1(1.6666665e-1f));
  p = Vec::fmadd(p, r, Vec::set1(5.0000001e-1f));
  p = Vec::fmadd(p, r, Vec::set1(1.0f));
  p = Vec::fmadd(p, r, Vec::set1(1.0f));
  return p * Vec::pow2i(n);
}

inline Vec silu(Vec x) {
  return x / (Vec::set1(1.0f) + exp(Vec::zero() - x));
}

// Prefetches (into L2) bytes [off, off + len) of rows r, r + step, ... (count rows, `pitch`
// bytes apart) of `base`: a GEMM fetches the weight rows of its next panel this way while
// it computes the current one, so that packing does not wait on memory.
inline void prefetch_rows(const void* base, int64_t pitch, int64_t r, int64_t count, int64_t step,
                          int64_t off, int64_t len) {
  for (; count > 0; count -= step, r += step)
    for (int64_t b = 0; b < len; b += 64)
      __builtin_prefetch(static_cast<const char*>(base) + r * pitch + off + b, 0, 2);
}

}  // namespace coil::KERNEL_NS::simd
