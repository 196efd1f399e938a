#version 450
// out[t, :] = table[ids[t], :] for the ids inside this dispatch's window of table rows
// [row_base, row_base + row_count) (a table larger than one binding is gathered in
// several dispatches). Grid: (ceil(cols / 256), T).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;
layout(constant_id = 0) const uint WDTYPE = 0u;

layout(std430, binding = 0) readonly buffer Table { uint table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Push {
  uint table_off, table_stride, ids_off, out_off, out_stride, cols, row_base, row_count;
} pc;

float load_table(uint e) {
  if (WDTYPE == DT_F32) return uintBitsToFloat(table[e]);
  return widen16(table[e >> 1], (e & 1u) != 0u, WDTYPE);
}

void main() {
  const uint c = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
  if (c >= pc.cols) return;
  const int id = ids[pc.ids_off + t];
  if (id < 0) return;
  const uint r = uint(id) - pc.row_base;
  if (uint(id) < pc.row_base || r >= pc.row_count) return;
  outp[pc.out_off + t * pc.out_stride + c] = load_table(pc.table_off + r * pc.table_stride + c);
}
