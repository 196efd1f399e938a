#version 450
// The selective scan over a chunk. Each channel d is handled by L = 4 neighbouring
// invocations, each holding N/L entries of the state row h[d, :] in registers; time runs
// sequentially inside the chunk and the state is carried in and out through `state`:
//   delta = softplus(dt[t, d] + dt_bias[d])
//   h[n]  = exp(delta * A[d, n]) * h[n] + delta * x[t, d] * B[t, n]
//   out[t, d] = (sum_n h[n] * C[t, n] + Dskip[d] * x[t, d]) * silu(z[t, d])
// The sum over n is reduced across the L lanes with subgroup shuffles, or shared memory.
// Grid: (ceil(D / (128 / L))).
#extension GL_GOOGLE_include_directive : require
#if USE_SUBGROUP
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#include "common.glsl"

#define WG 128u
#define L 4u
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint NS = 16u;         // state size N
const uint NPL = (NS + L - 1u) / L;                  // state entries per lane
#include "lane_sum.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Dt { float dt[]; };
layout(std430, binding = 2) readonly buffer DtBias { float dt_bias[]; };
layout(std430, binding = 3) readonly buffer A { float a_mat[]; };
layout(std430, binding = 4) readonly buffer Bm { float b_mat[]; };
layout(std430, binding = 5) readonly buffer Cm { float c_mat[]; };
layout(std430, binding = 6) readonly buffer Ds { float d_skip[]; };
layout(std430, binding = 7) readonly buffer Z { float z[]; };
layout(std430, binding = 8) buffer State { float st[]; };
layout(std430, binding = 9) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint x_off, x_stride, dt_off, dt_stride, dtb_off, a_off, b_off, b_stride;
  uint c_off, c_stride, ds_off, z_off, z_stride, s_off, out_off, out_stride, T, D;
} pc;

void main() {
  const uint tid = gl_LocalInvocationID.x, lane = tid % L;
  const uint d = gl_WorkGroupID.x * (WG / L) + tid / L;
  const bool live = d < pc.D;
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
    float y = 0.0, xv = 0.0;
    if (live) {
      const float delta = softplus(dt[pc.dt_off + t * pc.dt_stride + d] + bias);
      xv = x[pc.x_off + t * pc.x_stride + d];
      const float dx = delta * xv;
      const uint bb = pc.b_off + t * pc.b_stride, cb = pc.c_off + t * pc.c_stride;
      for (uint j = 0u; j < NPL; ++j) {
        const uint n = lane + j * L;
        if (n < NS) {
          h[j] = exp(delta * a[j]) * h[j] + dx * b_mat[bb + n];
          y += h[j] * c_mat[cb + n];
        }
      }
    }
    y = lane_sum(y);
    if (live && lane == 0u)
      outp[pc.out_off + t * pc.out_stride + d] =
          (y + dskip * xv) * silu(z[pc.z_off + t * pc.z_stride + d]);
  }
  for (uint j = 0u; j < NPL; ++j) {
    const uint n = lane + j * L;
    if (live && n < NS) st[pc.s_off + d * NS + n] = h[j];
  }
}
