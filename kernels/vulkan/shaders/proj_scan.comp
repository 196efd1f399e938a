#version 450
// The fused decode op proj_scan: dt_proj (and FalconMamba's weightless RMS norm of dt_low,
// B and C) folded into the selective scan. For each t, sequentially, and each channel d:
//   dt    = inv_dt * sum_r dt_low[t, r] * dt_proj[d, r]
//   delta = softplus(dt + dt_bias[d])
//   h[n]  = exp(delta * A[d, n]) * h[n] + delta * x[t, d] * inv_b * B[t, n]
//   out[t, d] = (inv_c * sum_n h[n] * C[t, n] + Dskip[d] * x[t, d]) * silu(z[t, d])
// with inv_v = 1 / sqrt(mean(v[t, :]^2) + eps) under the norm (flag 1), else 1. As in
// selective_scan.comp, each channel is handled by L = 4 neighbouring invocations holding
// N/L state entries each in registers; they also split the dt_proj row (16-byte loads when
// aligned, flag 2). Between them they read all of dt_low[t], B[t] and C[t], so they compute
// the norms themselves with lane sums (no workgroup-wide reduction, no shared copy) and
// apply them as the scale factors above: dt_low, B and C are only read. A block-type dt_proj
// (w_off in bytes) is split between the lanes by quant.glsl's q_unit units.
// Grid: (ceil(D / (128 / L))).
#extension GL_GOOGLE_include_directive : require
#if USE_SUBGROUP
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#include "common.glsl"

#define WG 128u
#define L 4u
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint NS = 16u;     // state size N
layout(constant_id = 1) const uint WDTYPE = 0u;  // dt_proj's dtype
const uint NPL = (NS + L - 1u) / L;              // state entries per lane
#include "lane_sum.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DtLow { float dt_low[]; };
layout(std430, binding = 2) readonly buffer W { uint w[]; };  // dt_proj [D, R]
layout(std430, binding = 2) readonly buffer W4 { uvec4 w4[]; };
layout(std430, binding = 3) readonly buffer DtBias { float dt_bias[]; };
layout(std430, binding = 4) readonly buffer A { float a_mat[]; };
layout(std430, binding = 5) readonly buffer Bm { float b_mat[]; };
layout(std430, binding = 6) readonly buffer Cm { float c_mat[]; };
layout(std430, binding = 7) readonly buffer Ds { float d_skip[]; };
layout(std430, binding = 8) readonly buffer Z { float z[]; };
layout(std430, binding = 9) buffer State { float st[]; };
layout(std430, binding = 10) writeonly buffer Out { float outp[]; };
#include "quant.glsl"

layout(push_constant) uniform Push {
  uint x_off, x_stride, dl_off, dl_stride, w_off, dtb_off, a_off, b_off, b_stride;
  uint c_off, c_stride, ds_off, z_off, z_stride, s_off, out_off, out_stride, T, D, R;
  uint flags;  // 1: norm of dt_low, B and C; 2: dt_proj rows 16-byte aligned
  float eps;
} pc;

float load_w(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(w[e]);
  return widen16(w[e >> 1], (e & 1u) != 0u, WDTYPE);
}

vec4 load_dt_low4(uint e) {
  return vec4(dt_low[e], dt_low[e + 1u], dt_low[e + 2u], dt_low[e + 3u]);
}

// 1 / sqrt(mean + eps) of a sum of squares over `count` values (lanes' partial sums).
float inv_rms(float partial, uint count) {
  return 1.0 / sqrt(lane_sum(partial) / float(count) + pc.eps);
}

// This lane's share of dt_low[t, :] . dt_proj[d, :], and of the sum of squares of dt_low[t, :].
void dt_partial(uint t, uint d, uint lane, out float dot_sum, out float sq_sum) {
  dot_sum = sq_sum = 0.0;
  const uint lb = pc.dl_off + t * pc.dl_stride;
  if (QUANT) {
    const uint nu = (pc.R / QBS) * QUPB, row = pc.w_off + d * q_row_bytes(pc.R);
    for (uint u = lane; u < nu; u += L) {
      vec4 wv[8];
      uint kv[8];
      q_unit(row, u, (pc.flags & 2u) != 0u, wv, kv);
      for (uint i = 0u; i < QNG; ++i) {
        const vec4 l0 = load_dt_low4(lb + kv[i]);
        sq_sum += dot(l0, l0);
        dot_sum += dot(wv[i], l0);
      }
    }
  } else if ((pc.flags & 2u) != 0u) {
    const uint epv = WDTYPE == DT_F32 ? 4u : 8u;  // elements per uvec4
    const uint row = (pc.w_off + d * pc.R) / epv;
    for (uint v = lane; v < pc.R / epv; v += L) {
      const uvec4 q = w4[row + v];
      const vec4 l0 = load_dt_low4(lb + v * epv);
      sq_sum += dot(l0, l0);
      if (WDTYPE == DT_F32) {
        dot_sum += dot(uintBitsToFloat(q), l0);
      } else {
        vec4 lo, hi;
        widen8(q, WDTYPE, lo, hi);
        const vec4 l1 = load_dt_low4(lb + v * epv + 4u);
        sq_sum += dot(l1, l1);
        dot_sum += dot(lo, l0) + dot(hi, l1);
      }
    }
  } else {
    const uint row = pc.w_off + d * pc.R;
    for (uint r = lane; r < pc.R; r += L) {
      const float l = dt_low[lb + r];
      sq_sum += l * l;
      dot_sum += l * load_w(row + r);
    }
  }
}

void main() {
  const uint tid = gl_LocalInvocationID.x, lane = tid % L;
  const uint d = gl_WorkGroupID.x * (WG / L) + tid / L;
  const bool live = d < pc.D;
  const bool norm = (pc.flags & 1u) != 0u;
  float h[NPL], a[NPL];
  for (uint j = 0u; j < NPL; ++j) {
    const uint n = lane + j * L;
    h[j] = 0.0;
    a[j] = 0.0;
    if (live && n < NS) {
      h[j] = st[pc.s_off + d * NS + n];
      a[j] = a_mat[pc.a_off + d * NS + n];
    }
  }
  float bias = 0.0, dskip = 0.0;
  if (live) {
    bias = dt_bias[pc.dtb_off + d];
    dskip = d_skip[pc.ds_off + d];
  }
  for (uint t = 0u; t < pc.T; ++t) {
    const uint bb = pc.b_off + t * pc.b_stride, cb = pc.c_off + t * pc.c_stride;
    float dt = 0.0, dt_sq = 0.0, b_sq = 0.0;
    if (live) {
      dt_partial(t, d, lane, dt, dt_sq);
      if (norm)
        for (uint j = 0u; j < NPL; ++j) {
          const uint n = lane + j * L;
          if (n < NS) b_sq += b_mat[bb + n] * b_mat[bb + n];
        }
    }
    dt = lane_sum(dt);
    float inv_dt = 1.0, inv_b = 1.0, inv_c = 1.0;
    if (norm) {
      inv_dt = inv_rms(dt_sq, pc.R);
      inv_b = inv_rms(b_sq, NS);
    }

    float y = 0.0, c_sq = 0.0, xv = 0.0;
    if (live) {
      const float delta = softplus(dt * inv_dt + bias);
      xv = x[pc.x_off + t * pc.x_stride + d];
      const float dx = delta * xv * inv_b;
      for (uint j = 0u; j < NPL; ++j) {
        const uint n = lane + j * L;
        if (n < NS) {
          const float c = c_mat[cb + n];
          h[j] = exp(delta * a[j]) * h[j] + dx * b_mat[bb + n];
          y += h[j] * c;
          c_sq += c * c;
        }
      }
    }
    y = lane_sum(y);
    if (norm) inv_c = inv_rms(c_sq, NS);
    if (live && lane == 0u)
      outp[pc.out_off + t * pc.out_stride + d] =
          (y * inv_c + dskip * xv) * silu(z[pc.z_off + t * pc.z_stride + d]);
  }
  for (uint j = 0u; j < NPL; ++j) {
    const uint n = lane + j * L;
    if (live && n < NS) st[pc.s_off + d * NS + n] = h[j];
  }
}
