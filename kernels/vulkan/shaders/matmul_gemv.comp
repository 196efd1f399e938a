#version 450
// Matrix-vector product for a few tokens (decode): out[t, n] = sum_k x[t, k] * w[n, k]
// + bias[n], t < NT (1..4). Each workgroup computes NR output features for all NT tokens,
// streaming its weight rows once with 16-byte loads when they are aligned (flag 2), and
// reduces over the workgroup (subgroupAdd, or shared memory). Grid: NR features per
// workgroup, folded into (x, y) when there are many.
#extension GL_GOOGLE_include_directive : require
#if USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#include "common.glsl"

#define WG 128u
#define NR 2u
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint WDTYPE = 0u;
layout(constant_id = 1) const uint NT = 1u;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 1) readonly buffer W { uint w[]; };
layout(std430, binding = 1) readonly buffer W4 { uvec4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, b_off, out_off, out_stride, K, N;
  uint flags;  // 1: bias, 2: weights 16-byte aligned (and K a multiple of 8), 4: x likewise
} pc;

float acc[NR][NT];

float load_w(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(w[e]);
  return widen16(w[e >> 1], (e & 1u) != 0u, WDTYPE);
}

// x[t, k .. k+3]
vec4 load_x4(uint t, uint k, bool aligned) {
  const uint e = pc.x_off + t * pc.x_stride + k;
  if (aligned) return x4[e >> 2];
  return vec4(x[e], x[e + 1u], x[e + 2u], x[e + 3u]);
}

void vector_loop(uint n0, uint tid) {
  const bool x_aligned = (pc.flags & 4u) != 0u;
  const uint epv = WDTYPE == DT_F32 ? 4u : 8u;  // elements per uvec4
  const uint nv = pc.K / epv;
  for (uint v = tid; v < nv; v += WG) {
    const uint k = v * epv;
    vec4 xl[NT], xh[NT];
    for (uint t = 0u; t < NT; ++t) {
      xl[t] = load_x4(t, k, x_aligned);
      if (epv == 8u) xh[t] = load_x4(t, k + 4u, x_aligned);
    }
    for (uint r = 0u; r < NR; ++r) {
      const uint n = n0 + r;
      if (n >= pc.N) break;
      const uvec4 q = w4[(pc.w_off + n * pc.K) / epv + v];
      if (WDTYPE == DT_F32) {
        const vec4 wv = uintBitsToFloat(q);
        for (uint t = 0u; t < NT; ++t) acc[r][t] += dot(wv, xl[t]);
      } else {
        vec4 lo, hi;
        widen8(q, WDTYPE, lo, hi);
        for (uint t = 0u; t < NT; ++t) acc[r][t] += dot(lo, xl[t]) + dot(hi, xh[t]);
      }
    }
  }
}

void scalar_loop(uint n0, uint tid) {
  for (uint k = tid; k < pc.K; k += WG) {
    float xv[NT];
    for (uint t = 0u; t < NT; ++t) xv[t] = x[pc.x_off + t * pc.x_stride + k];
    for (uint r = 0u; r < NR; ++r) {
      const uint n = n0 + r;
      if (n >= pc.N) break;
      const float wv = load_w(pc.w_off + n * pc.K + k);
      for (uint t = 0u; t < NT; ++t) acc[r][t] += wv * xv[t];
    }
  }
}

#if USE_SUBGROUP
shared float partial[NR * NT][WG];  // [value][subgroup]
#else
shared float partial[NR * NT][WG];  // [value][invocation]
#endif

void main() {
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint n0 = group * NR, tid = gl_LocalInvocationID.x;
  if (n0 >= pc.N) return;  // the whole workgroup leaves
  for (uint r = 0u; r < NR; ++r)
    for (uint t = 0u; t < NT; ++t) acc[r][t] = 0.0;
  if ((pc.flags & 2u) != 0u) vector_loop(n0, tid);
  else scalar_loop(n0, tid);

#if USE_SUBGROUP
  for (uint r = 0u; r < NR; ++r)
    for (uint t = 0u; t < NT; ++t) {
      const float s = subgroupAdd(acc[r][t]);
      if (subgroupElect()) partial[r * NT + t][gl_SubgroupID] = s;
    }
  barrier();
  const uint parts = gl_NumSubgroups;
#else
  for (uint r = 0u; r < NR; ++r)
    for (uint t = 0u; t < NT; ++t) partial[r * NT + t][tid] = acc[r][t];
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1) {
    if (tid < s)
      for (uint i = 0u; i < NR * NT; ++i) partial[i][tid] += partial[i][tid + s];
    barrier();
  }
  const uint parts = 1u;
#endif
  if (tid < NR * NT) {
    const uint r = tid / NT, t = tid % NT, n = n0 + r;
    if (n < pc.N) {
      float s = 0.0;
      for (uint i = 0u; i < parts; ++i) s += partial[tid][i];
      if ((pc.flags & 1u) != 0u) s += bias[pc.b_off + n];
      outp[pc.out_off + t * pc.out_stride + n] = s;
    }
  }
}
