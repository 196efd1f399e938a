#version 450
// Causal depthwise conv of kernel KC over a chunk, with the KC-1 previous inputs of each
// channel from conv_state (oldest row first), + bias, SiLU; then conv_state holds the
// chunk's last KC-1 inputs. One invocation per channel walks the chunk in order, keeping
// the window in registers. Grid: (ceil(D / 128)).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 128) in;
layout(constant_id = 0) const uint KC = 4u;  // kernel size (>= 1)

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float wt[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) buffer State { float st[]; };
layout(std430, binding = 4) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint x_off, x_stride, w_off, b_off, s_off, out_off, out_stride, T, D, has_bias;
} pc;

void main() {
  const uint d = gl_GlobalInvocationID.x;
  if (d >= pc.D) return;
  float wk[KC], win[KC];  // win[0 .. KC-2]: the previous inputs, oldest first
  for (uint k = 0u; k < KC; ++k) wk[k] = wt[pc.w_off + d * KC + k];
  for (uint j = 0u; j + 1u < KC; ++j) win[j] = st[pc.s_off + j * pc.D + d];
  float b = 0.0;
  if (pc.has_bias != 0u) b = bias[pc.b_off + d];
  for (uint t = 0u; t < pc.T; ++t) {
    const float xt = x[pc.x_off + t * pc.x_stride + d];
    float acc = b;
    for (uint j = 0u; j + 1u < KC; ++j) acc += wk[j] * win[j];
    acc += wk[KC - 1u] * xt;
    outp[pc.out_off + t * pc.out_stride + d] = silu(acc);
    for (uint j = 0u; j + 2u < KC; ++j) win[j] = win[j + 1u];
    if (KC >= 2u) win[KC - 2u] = xt;
  }
  for (uint j = 0u; j + 1u < KC; ++j) st[pc.s_off + j * pc.D + d] = win[j];
}
