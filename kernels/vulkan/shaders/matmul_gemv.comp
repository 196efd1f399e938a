#version 450
// Matrix-vector product for a few tokens (decode): out[t, n] = sum_k x[t, k] * w[n, k]
// + bias[n], t < NT (1..4). Each output feature n is computed by TPR neighbouring
// invocations (a "segment"; TPR chosen by the host from K so that each invocation makes a
// few 16-byte loads per row), so a workgroup covers WG / TPR features. Weight rows are
// streamed once, with 16-byte loads when aligned (flag 2); the segment's partial sums are
// reduced with subgroup shuffles / subgroupAdd, or shared memory.
// FUSE selects the fused decode ops built on it:
//   1 (matmul_add):  out[t, n] += the product (+ bias), the residual add folded in;
//   2 (norm_matmul): x[t, :] is RMS-normalised and times norm_w first. A segment reads
//     all of x[t, :] anyway, so it also sums its squares and scales its dot product by
//     inv = 1 / sqrt(mean(x^2) + eps) at the end: inv * sum_k w[n, k] * x[t, k] * norm_w[k].
// Block-type weights (quant.glsl): a segment's lanes take the row's q_unit units in turn
// (16 or 32 values each, dequantized in registers); flag 4 then says whether x (and norm_w)
// can be read as vec4s, flag 2 whether the row starts on 16 bytes (K types' codes).
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
layout(constant_id = 3) const uint FUSE = 0u;  // 1: accumulate into out, 2: RMS norm of x
const uint NR = WG / TPR;                      // features per workgroup
const bool ACCUMULATE = (FUSE & 1u) != 0u;
const bool NORM = (FUSE & 2u) != 0u;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 1) readonly buffer W { uint w[]; };
layout(std430, binding = 1) readonly buffer W4 { uvec4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer Out { float outp[]; };  // read too when ACCUMULATE
layout(std430, binding = 4) readonly buffer Nw { float nw[]; };   // norm_w [K] when NORM
layout(std430, binding = 4) readonly buffer Nw4 { vec4 nw4[]; };
#include "quant.glsl"

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, b_off, out_off, out_stride, K, N;
  uint flags;  // 1: bias, 2: weights 16-byte aligned (and K a multiple of 8), 4: x (and
               // norm_w) likewise. w_off: in elements, or bytes for a block type
  uint nw_off;
  float eps;
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

// norm_w[k .. k+3] (aligned like x)
vec4 load_nw4(uint k, bool aligned) {
  const uint e = pc.nw_off + k;
  if (aligned) return nw4[e >> 2];
  return vec4(nw[e], nw[e + 1u], nw[e + 2u], nw[e + 3u]);
}

void main() {
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint tid = gl_LocalInvocationID.x, lane = tid % TPR;
  const uint n = group * NR + tid / TPR;
  if (group * NR >= pc.N) return;  // the whole workgroup leaves
  const bool live = n < pc.N;

  float acc[NT], ss[NT];  // ss: sum of x[t, k]^2 over this lane's k (NORM)
  for (uint t = 0u; t < NT; ++t) acc[t] = ss[t] = 0.0;
  if (live && QUANT) {
    const bool x_aligned = (pc.flags & 4u) != 0u, a16 = (pc.flags & 2u) != 0u;
    const uint nu = (pc.K / QBS) * QUPB, row = pc.w_off + n * q_row_bytes(pc.K);
    for (uint u = lane; u < nu; u += TPR) {
      vec4 wv[8];
      uint kv[8];
      q_unit(row, u, a16, wv, kv);
      for (uint i = 0u; i < QNG; ++i) {
        vec4 g = vec4(1.0);
        if (NORM) g = load_nw4(kv[i], x_aligned);
        for (uint t = 0u; t < NT; ++t) {
          const vec4 xv = load_x4(t, kv[i], x_aligned);
          if (NORM) ss[t] += dot(xv, xv);
          acc[t] += dot(wv[i], xv * g);
        }
      }
    }
  } else if (live && (pc.flags & 2u) != 0u) {
    const bool x_aligned = (pc.flags & 4u) != 0u;
    const uint epv = WDTYPE == DT_F32 ? 4u : 8u;  // elements per uvec4
    const uint nv = pc.K / epv, row = (pc.w_off + n * pc.K) / epv;
    for (uint v = lane; v < nv; v += TPR) {
      const uvec4 q = w4[row + v];
      const uint k = v * epv;
      if (WDTYPE == DT_F32) {
        const vec4 wv = uintBitsToFloat(q);
        vec4 g = vec4(1.0);
        if (NORM) g = load_nw4(k, x_aligned);
        for (uint t = 0u; t < NT; ++t) {
          const vec4 xv = load_x4(t, k, x_aligned);
          if (NORM) ss[t] += dot(xv, xv);
          acc[t] += dot(wv, xv * g);
        }
      } else {
        vec4 lo, hi, g0 = vec4(1.0), g1 = vec4(1.0);
        widen8(q, WDTYPE, lo, hi);
        if (NORM) {
          g0 = load_nw4(k, x_aligned);
          g1 = load_nw4(k + 4u, x_aligned);
        }
        for (uint t = 0u; t < NT; ++t) {
          const vec4 x0 = load_x4(t, k, x_aligned), x1 = load_x4(t, k + 4u, x_aligned);
          if (NORM) ss[t] += dot(x0, x0) + dot(x1, x1);
          acc[t] += dot(lo, x0 * g0) + dot(hi, x1 * g1);
        }
      }
    }
  } else if (live) {
    const uint row = pc.w_off + n * pc.K;
    for (uint k = lane; k < pc.K; k += TPR) {
      const float wv = load_w(row + k);
      float g = 1.0;
      if (NORM) g = nw[pc.nw_off + k];
      for (uint t = 0u; t < NT; ++t) {
        const float xv = x[pc.x_off + t * pc.x_stride + k];
        if (NORM) ss[t] += xv * xv;
        acc[t] += wv * xv * g;
      }
    }
  }
  for (uint t = 0u; t < NT; ++t) {
    float s = segment_sum(acc[t]);
    // max(K, 1): an empty row gives bias (0 * inv), not NaN
    if (NORM) s /= sqrt(segment_sum(ss[t]) / float(max(pc.K, 1u)) + pc.eps);
    if (live && lane == 0u) {
      if ((pc.flags & 1u) != 0u) s += bias[pc.b_off + n];
      const uint o = pc.out_off + t * pc.out_stride + n;
      outp[o] = ACCUMULATE ? outp[o] + s : s;
    }
  }
}
