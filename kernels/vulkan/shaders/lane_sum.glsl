// lane_sum(v): the sum of v over the L neighbouring invocations that share one channel of
// a scan, returned to each of them. Needs WG (the workgroup size) and L (a power of two,
// at most 4 so that it fits the smallest subgroup Coil uses) defined, and
// GL_KHR_shader_subgroup_shuffle enabled by the including shader when USE_SUBGROUP is 1.
// Must be called by every invocation (uniform control flow).
#if USE_SUBGROUP
float lane_sum(float v) {
  for (uint o = 1u; o < L; o <<= 1) v += subgroupShuffleXor(v, o);
  return v;
}
#else
shared float lanes[WG];

float lane_sum(float v) {
  const uint tid = gl_LocalInvocationID.x, base = tid & ~(L - 1u);
  lanes[tid] = v;
  barrier();
  float s = 0.0;
  for (uint i = 0u; i < L; ++i) s += lanes[base + i];
  barrier();
  return s;
}
#endif
