// block_sum(v): the sum of v over the whole workgroup, returned to every invocation.
// Needs WG (the workgroup size) defined, and GL_KHR_shader_subgroup_arithmetic enabled by
// the including shader when USE_SUBGROUP is 1. Must be called in uniform control flow.
#if USE_SUBGROUP
shared float red_partial[WG];  // one per subgroup (WG bounds their number)

float block_sum(float v) {
  v = subgroupAdd(v);
  if (subgroupElect()) red_partial[gl_SubgroupID] = v;
  barrier();
  float s = 0.0;
  for (uint i = 0u; i < gl_NumSubgroups; ++i) s += red_partial[i];
  barrier();
  return s;
}
#else
shared float red_partial[WG];

float block_sum(float v) {
  const uint tid = gl_LocalInvocationID.x;
  red_partial[tid] = v;
  barrier();
  for (uint s = WG / 2u; s > 0u; s >>= 1) {
    if (tid < s) red_partial[tid] += red_partial[tid + s];
    barrier();
  }
  const float r = red_partial[0];
  barrier();
  return r;
}
#endif
