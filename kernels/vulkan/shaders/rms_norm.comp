#version 450
// out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * (weight or 1). One workgroup per
// row; out may alias x (each invocation reads and writes only its own columns).
// Grid: (rows).
#extension GL_GOOGLE_include_directive : require
#if USE_SUBGROUP
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#define WG 256u
layout(local_size_x = 256) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, out_off, out_stride, cols, has_weight;
  float eps;
} pc;

void main() {
  const uint r = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
  const uint xb = pc.x_off + r * pc.x_stride, ob = pc.out_off + r * pc.out_stride;
  float ss = 0.0;
  for (uint c = tid; c < pc.cols; c += WG) {
    const float v = x[xb + c];
    ss += v * v;
  }
  ss = block_sum(ss);
  const float inv = 1.0 / sqrt(ss / float(pc.cols) + pc.eps);
  for (uint c = tid; c < pc.cols; c += WG) {
    float scale = 1.0;
    if (pc.has_weight != 0u) scale = w[pc.w_off + c];
    outp[ob + c] = x[xb + c] * inv * scale;
  }
}
