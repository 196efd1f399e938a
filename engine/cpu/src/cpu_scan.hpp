// The selective scan. Channels are independent; a block of W channels runs in vector lanes
// (one lane per channel) with its N = 16 states in 16 registers, so softplus(dt), the SiLU
// gate and the output need no horizontal sums and no scalar exp/log (which cost more than
// the whole state update). Other state sizes, and channels past the last whole block, run
// one channel at a time. Included by cpu_kernels_impl.hpp, inside KERNEL_NS.
#pragma once
#include <cmath>
#include <cstdint>

#include "cpu_kernels.hpp"
#include "simd.hpp"

namespace coil::KERNEL_NS::scan_impl {
using simd::Vec;
constexpr int W = Vec::W;

inline float softplus(float v) {
  return v > 20.f ? v : std::log1p(std::exp(v));
}
inline float silu_scalar(float v) {
  return v / (1.f + std::exp(-v));
}

// log1p(t) for t in [0, 1]: 2 atanh(s), s = t / (2 + t) <= 1/3, by its series to s^13
// (relative error < 2e-7).
inline Vec log1p01(Vec t) {
  const Vec s = t / (Vec::set1(2.f) + t), s2 = s * s;
  Vec p = Vec::set1(1.f / 13);
  p = Vec::fmadd(p, s2, Vec::set1(1.f / 11));
  p = Vec::fmadd(p, s2, Vec::set1(1.f / 9));
  p = Vec::fmadd(p, s2, Vec::set1(1.f / 7));
  p = Vec::fmadd(p, s2, Vec::set1(1.f / 5));
  p = Vec::fmadd(p, s2, Vec::set1(1.f / 3));
  p = Vec::fmadd(p, s2, Vec::set1(1.f));
  return Vec::set1(2.f) * s * p;
}
// softplus(v) = max(v, 0) + log1p(exp(-|v|)), exact to float rounding for v > 20 as the
// scalar form.
inline Vec softplus(Vec v) {
  const Vec a = Vec::max(v, Vec::zero() - v);
  return Vec::max(v, Vec::zero()) + log1p01(simd::exp(Vec::zero() - a));
}

// Channels [d, d + W): the states of the block transposed into registers (h[n] holds state
// n of the W channels), every token of the chunk, then stored back.
inline void scan_block16(const ScanPtrs& p, int64_t d) {
  constexpr int N = 16;
  float tmp[N][W];
  Vec h[N], A[N];
  for (int c = 0; c < W; ++c)
    for (int n = 0; n < N; ++n) tmp[n][c] = p.state[(d + c) * N + n];
  for (int n = 0; n < N; ++n) h[n] = Vec::load(tmp[n]);
  for (int c = 0; c < W; ++c)
    for (int n = 0; n < N; ++n) tmp[n][c] = p.A[(d + c) * N + n];
  for (int n = 0; n < N; ++n) A[n] = Vec::load(tmp[n]);
  const Vec bias = Vec::load(p.dt_bias + d), Dd = Vec::load(p.Dskip + d);
  for (int64_t t = 0; t < p.T; ++t) {
    const Vec delta = softplus(Vec::load(p.dt + t * p.dt_stride + d) + bias);
    const Vec xv = Vec::load(p.x + t * p.x_stride + d);
    const Vec dx = delta * xv;
    const float* B = p.B + t * p.B_stride;
    const float* C = p.C + t * p.C_stride;
    Vec y = Vec::zero();
    for (int n = 0; n < N; ++n) {
      h[n] = Vec::fmadd(simd::exp(delta * A[n]), h[n], dx * Vec::set1(B[n]));
      y = Vec::fmadd(h[n], Vec::set1(C[n]), y);
    }
    const Vec z = Vec::load(p.z + t * p.z_stride + d);
    (Vec::fmadd(Dd, xv, y) * simd::silu(z)).store(p.out + t * p.out_stride + d);
  }
  for (int n = 0; n < N; ++n) h[n].store(tmp[n]);
  for (int c = 0; c < W; ++c)
    for (int n = 0; n < N; ++n) p.state[(d + c) * N + n] = tmp[n][c];
}

// One channel, N states.
inline void scan_channel(const ScanPtrs& p, int64_t d) {
  float* h = p.state + d * p.N;
  const float* A = p.A + d * p.N;
  for (int64_t t = 0; t < p.T; ++t) {
    const float delta = softplus(p.dt[t * p.dt_stride + d] + p.dt_bias[d]);
    const float xv = p.x[t * p.x_stride + d];
    const float* B = p.B + t * p.B_stride;
    const float* C = p.C + t * p.C_stride;
    float y = 0;
    for (int64_t n = 0; n < p.N; ++n) {
      h[n] = std::exp(delta * A[n]) * h[n] + delta * xv * B[n];
      y += h[n] * C[n];
    }
    p.out[t * p.out_stride + d] = (y + p.Dskip[d] * xv) * silu_scalar(p.z[t * p.z_stride + d]);
  }
}

inline void scan(const ScanPtrs& p, int64_t d0, int64_t d1) {
  int64_t d = d0;
  if (W > 1 && p.N == 16)
    for (; d + W <= d1; d += W) scan_block16(p, d);
  for (; d < d1; ++d) scan_channel(p, d);
}

}  // namespace coil::KERNEL_NS::scan_impl
