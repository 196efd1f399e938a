#version 450
// Streams a large buffer through 16-byte loads for the bandwidth measurement. The result
// is written only if the data XORs to a value a zero-filled buffer never gives, which
// keeps the loads alive without a store per invocation. Grid: (any; grid-stride loop).
layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer Data { uvec4 data[]; };
layout(std430, binding = 1) writeonly buffer Result { uint result[]; };

layout(push_constant) uniform Push {
  uint n4;  // uvec4 elements
} pc;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256u;
  uvec4 acc = uvec4(0u);
  for (uint i = gl_GlobalInvocationID.x; i < pc.n4; i += stride) acc ^= data[i];
  if ((acc.x ^ acc.y ^ acc.z ^ acc.w) == 0x9e3779b9u) result[0] = 1u;
}
