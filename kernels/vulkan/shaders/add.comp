#version 450
// a[r, c] += b[r, c]. Grid: (ceil(cols / 256), rows).
layout(local_size_x = 256) in;

layout(std430, binding = 0) buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };

layout(push_constant) uniform Push {
  uint a_off, a_stride, b_off, b_stride, cols;
} pc;

void main() {
  const uint c = gl_GlobalInvocationID.x, r = gl_WorkGroupID.y;
  if (c >= pc.cols) return;
  a[pc.a_off + r * pc.a_stride + c] += b[pc.b_off + r * pc.b_stride + c];
}
