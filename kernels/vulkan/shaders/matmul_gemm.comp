#version 450
// Tiled matrix product for prefill chunks: out[t, n] = sum_k x[t, k] * w[n, k] + bias[n].
// A workgroup of 128 invocations computes a 64 (tokens) x 128 (features) tile, 8 x 8 per
// invocation (rows ty*4 + {0..3} and 32 + ty*4 + {0..3}, columns likewise in steps of 64),
// staging 16-wide slices of x and w (widened to fp32) in shared memory; fp32 accumulation.
// Block-type weights are dequantized into the w tile 4 values per invocation and step
// (quant.glsl's q_dequant4; w_off is then in bytes).
// Grid: (ceil(N / 128), ceil(T / 64)).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define BM 64u
#define BN 128u
#define BK 16u
#define WG 128u
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint WDTYPE = 0u;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { uint w[]; };
layout(std430, binding = 1) readonly buffer W4 { uvec4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Out { float outp[]; };
#include "quant.glsl"

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, b_off, out_off, out_stride, T, K, N;
  uint flags;  // 1: bias
} pc;

shared vec4 xs[BK][BM / 4u];  // xs[k][t / 4][t % 4]
shared vec4 ws[BK][BN / 4u];

float load_w(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(w[e]);
  return widen16(w[e >> 1], (e & 1u) != 0u, WDTYPE);
}

void main() {
  const uint tid = gl_LocalInvocationID.x, tx = tid % 16u, ty = tid / 16u;
  const uint n0 = gl_WorkGroupID.x * BN, t0 = gl_WorkGroupID.y * BM;
  vec4 acc[8][2];  // [row][column half]
  for (uint i = 0u; i < 8u; ++i) acc[i][0] = acc[i][1] = vec4(0.0);

  for (uint k0 = 0u; k0 < pc.K; k0 += BK) {
    // x tile: 64 x 16 (8 per invocation), w tile: 128 x 16 (16 per invocation)
    for (uint i = tid; i < BM * BK; i += WG) {
      const uint r = i / BK, kk = i % BK, t = t0 + r, k = k0 + kk;
      float v = 0.0;
      if (t < pc.T && k < pc.K) v = x[pc.x_off + t * pc.x_stride + k];
      xs[kk][r / 4u][r % 4u] = v;
    }
    if (QUANT) {
      // K is whole blocks (a multiple of 32): a group of 4 is wholly inside or outside
      for (uint i = tid; i < BN * BK / 4u; i += WG) {
        const uint r = i / (BK / 4u), kk = (i % (BK / 4u)) * 4u, n = n0 + r, k = k0 + kk;
        vec4 v = vec4(0.0);
        if (n < pc.N && k < pc.K) v = q_dequant4(pc.w_off + n * q_row_bytes(pc.K), k);
        for (uint j = 0u; j < 4u; ++j) ws[kk + j][r / 4u][r % 4u] = v[j];
      }
    } else {
      for (uint i = tid; i < BN * BK; i += WG) {
        const uint r = i / BK, kk = i % BK, n = n0 + r, k = k0 + kk;
        float v = 0.0;
        if (n < pc.N && k < pc.K) v = load_w(pc.w_off + n * pc.K + k);
        ws[kk][r / 4u][r % 4u] = v;
      }
    }
    barrier();
    for (uint kk = 0u; kk < BK; ++kk) {
      const vec4 a0 = xs[kk][ty], a1 = xs[kk][8u + ty];
      const vec4 b0 = ws[kk][tx], b1 = ws[kk][16u + tx];
      for (uint i = 0u; i < 4u; ++i) {
        acc[i][0] += a0[i] * b0;
        acc[i][1] += a0[i] * b1;
        acc[4u + i][0] += a1[i] * b0;
        acc[4u + i][1] += a1[i] * b1;
      }
    }
    barrier();
  }
  for (uint i = 0u; i < 8u; ++i) {
    const uint t = t0 + (i < 4u ? ty * 4u + i : 32u + ty * 4u + (i - 4u));
    if (t >= pc.T) continue;
    for (uint h = 0u; h < 2u; ++h)
      for (uint j = 0u; j < 4u; ++j) {
        const uint n = n0 + h * 64u + tx * 4u + j;
        if (n >= pc.N) continue;
        float s = acc[i][h][j];
        if ((pc.flags & 1u) != 0u) s += bias[pc.b_off + n];
        outp[pc.out_off + t * pc.out_stride + n] = s;
      }
  }
}
