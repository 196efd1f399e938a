#version 450
// out[t, :] = table[ids[t], :] for the ids inside this dispatch's window of table rows
// [row_base, row_base + row_count) (a table larger than one binding is gathered in
// several dispatches). Block-type tables: each invocation dequantizes 4 values, exactly as
// the CPU reference (quant.glsl; table_off and table_stride are then in bytes).
// Grid: (ceil(cols / 256), T), or (ceil(cols / 1024), T) for a block type.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint WDTYPE = 0u;

layout(std430, binding = 0) readonly buffer W { uint w[]; };  // the table
layout(std430, binding = 0) readonly buffer W4 { uvec4 w4[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };
#include "quant.glsl"

layout(push_constant) uniform Push {
  uint table_off, table_stride, ids_off, out_off, out_stride, cols, row_base, row_count;
} pc;

float load_table(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(w[e]);
  return widen16(w[e >> 1], (e & 1u) != 0u, WDTYPE);
}

void main() {
  const uint t = gl_WorkGroupID.y, c = gl_GlobalInvocationID.x * (QUANT ? 4u : 1u);
  if (c >= pc.cols) return;
  const int id = ids[pc.ids_off + t];
  if (id < 0) return;
  const uint r = uint(id) - pc.row_base;
  if (uint(id) < pc.row_base || r >= pc.row_count) return;
  const uint o = pc.out_off + t * pc.out_stride + c;
  if (QUANT) {
    const vec4 v = q_dequant4(pc.table_off + r * pc.table_stride, c);  // cols: whole blocks
    for (uint j = 0u; j < 4u; ++j) outp[o + j] = v[j];
    return;
  }
  outp[o] = load_table(pc.table_off + r * pc.table_stride + c);
}
