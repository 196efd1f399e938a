#version 450
// Matrix-vector product for a few tokens (decode): out[t, n] = sum_k x[t, k] * w[n, k]
// + bias[n], t < NT (1..4). Each output feature n is computed by TPR neighbouring
// invocations (a "segment"; TPR chosen by the host from K so that each invocation makes a
// few 16-byte loads per row), so a workgroup covers WG / TPR features. Weight rows are
// streamed once, with 16-byte loads when aligned (flag 2); the segment's partial sums are
// reduced with subgroup shuffles / subgroupAdd, or shared memory.
// Grid: WG / TPR features per workgroup, folded into (x, y) when there are many.
#extension GL_GOOGLE_include_directive : require
#if USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#include "common.glsl"

#define WG 128u
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint WDTYPE = 0u;
layout(constant_id = 1) const uint NT = 1u;    // tokens
layout(constant_id = 2) const uint TPR = 32u;  // invocations per feature, a power of two <= WG
const uint NR = WG / TPR;                      // features per workgroup

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

shared float seg[WG];

// The sum of v over this invocation's segment of TPR lanes, in every lane of it. Called
// by every invocation (uniform control flow).
float segment_sum(float v) {
  const uint tid = gl_LocalInvocationID.x, lane = tid % TPR;
#if USE_SUBGROUP
  if (TPR <= gl_SubgroupSize) {
    for (uint o = TPR / 2u; o > 0u; o >>= 1) v += subgroupShuffleXor(v, o);
    return v;
  }
  // a segment spans whole subgroups
  v = subgroupAdd(v);
  if (subgroupElect()) seg[gl_SubgroupID] = v;
  barrier();
  const uint per = TPR / gl_SubgroupSize, first = (tid / TPR) * per;
  float s = 0.0;
  for (uint i = 0u; i < per; ++i) s += seg[first + i];
  barrier();
  return s;
#else
  seg[tid] = v;
  barrier();
  for (uint s = TPR / 2u; s > 0u; s >>= 1) {
    if (lane < s) seg[tid] += seg[tid + s];
    barrier();
  }
  const float r = seg[tid - lane];
  barrier();
  return r;
#endif
}

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

void main() {
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint tid = gl_LocalInvocationID.x, lane = tid % TPR;
  const uint n = group * NR + tid / TPR;
  if (group * NR >= pc.N) return;  // the whole workgroup leaves
  const bool live = n < pc.N;

  float acc[NT];
  for (uint t = 0u; t < NT; ++t) acc[t] = 0.0;
  if (live && (pc.flags & 2u) != 0u) {
    const bool x_aligned = (pc.flags & 4u) != 0u;
    const uint epv = WDTYPE == DT_F32 ? 4u : 8u;  // elements per uvec4
    const uint nv = pc.K / epv, row = (pc.w_off + n * pc.K) / epv;
    for (uint v = lane; v < nv; v += TPR) {
      const uvec4 q = w4[row + v];
      const uint k = v * epv;
      if (WDTYPE == DT_F32) {
        const vec4 wv = uintBitsToFloat(q);
        for (uint t = 0u; t < NT; ++t) acc[t] += dot(wv, load_x4(t, k, x_aligned));
      } else {
        vec4 lo, hi;
        widen8(q, WDTYPE, lo, hi);
        for (uint t = 0u; t < NT; ++t)
          acc[t] += dot(lo, load_x4(t, k, x_aligned)) + dot(hi, load_x4(t, k + 4u, x_aligned));
      }
    }
  } else if (live) {
    const uint row = pc.w_off + n * pc.K;
    for (uint k = lane; k < pc.K; k += TPR) {
      const float wv = load_w(row + k);
      for (uint t = 0u; t < NT; ++t) acc[t] += wv * x[pc.x_off + t * pc.x_stride + k];
    }
  }
  for (uint t = 0u; t < NT; ++t) {
    const float s = segment_sum(acc[t]);
    if (live && lane == 0u) {
      float b = 0.0;
      if ((pc.flags & 1u) != 0u) b = bias[pc.b_off + n];
      outp[pc.out_off + t * pc.out_stride + n] = s + b;
    }
  }
}
