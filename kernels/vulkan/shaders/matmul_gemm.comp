#version 450
// Tiled matrix product for prefill chunks: out[t, n] = sum_k x[t, k] * w[n, k] + bias[n].
// A workgroup computes a 64 (tokens) x 64 (features) tile, 4x4 per invocation, staging
// 16-wide slices of x and w (widened to fp32) in shared memory. fp32 accumulation.
// Grid: (ceil(N / 64), ceil(T / 64)).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BM 64u
#define BN 64u
#define BK 16u
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint WDTYPE = 0u;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { uint w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, b_off, out_off, out_stride, T, K, N;
  uint flags;  // 1: bias
} pc;

shared float xs[BK][BM + 1u];
shared float ws[BK][BN + 1u];

float load_w(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(w[e]);
  return widen16(w[e >> 1], (e & 1u) != 0u, WDTYPE);
}

void main() {
  const uint tid = gl_LocalInvocationID.x, tx = tid % 16u, ty = tid / 16u;
  const uint n0 = gl_WorkGroupID.x * BN, t0 = gl_WorkGroupID.y * BM;
  float acc[4][4];
  for (uint i = 0u; i < 4u; ++i)
    for (uint j = 0u; j < 4u; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < pc.K; k0 += BK) {
    for (uint i = tid; i < BM * BK; i += 256u) {
      const uint r = i / BK, kk = i % BK, t = t0 + r, k = k0 + kk;
      float v = 0.0;
      if (t < pc.T && k < pc.K) v = x[pc.x_off + t * pc.x_stride + k];
      xs[kk][r] = v;
    }
    for (uint i = tid; i < BN * BK; i += 256u) {
      const uint r = i / BK, kk = i % BK, n = n0 + r, k = k0 + kk;
      float v = 0.0;
      if (n < pc.N && k < pc.K) v = load_w(pc.w_off + n * pc.K + k);
      ws[kk][r] = v;
    }
    barrier();
    for (uint kk = 0u; kk < BK; ++kk) {
      float a[4], b[4];
      for (uint i = 0u; i < 4u; ++i) a[i] = xs[kk][ty + 16u * i];
      for (uint j = 0u; j < 4u; ++j) b[j] = ws[kk][tx + 16u * j];
      for (uint i = 0u; i < 4u; ++i)
        for (uint j = 0u; j < 4u; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }
  for (uint i = 0u; i < 4u; ++i) {
    const uint t = t0 + ty + 16u * i;
    if (t >= pc.T) continue;
    for (uint j = 0u; j < 4u; ++j) {
      const uint n = n0 + tx + 16u * j;
      if (n >= pc.N) continue;
      float s = acc[i][j];
      if ((pc.flags & 1u) != 0u) s += bias[pc.b_off + n];
      outp[pc.out_off + t * pc.out_stride + n] = s;
    }
  }
}
