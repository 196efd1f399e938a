// GGUF block types (engine/include/coil/quants.hpp has the layouts) read from a weight
// buffer of uint words. The including shader declares, before including this file:
//   layout(constant_id = ...) const uint WDTYPE;          the weight dtype (DT_* codes)
//   readonly buffer W { uint w[]; };  readonly buffer W4 { uvec4 w4[]; };  (same binding)
// Addresses here are byte addresses within that binding. Blocks are 18 to 210 bytes and so
// in general not word aligned: 16-bit fields are at even addresses (every block size is even),
// 32-bit reads of codes go through qu32(), which joins two words when unaligned.
//
// Two ways in:
//   q_unit(row, u, ...)    the GEMV's: unit u of a row, QNG groups of 4 consecutive values
//                          (32 values of a K type, 16 of the others), codes read once, scales
//                          decoded once per unit; values dequantized in registers.
//   q_dequant4(row, k)     values k .. k+3 of a row, exactly as the CPU reference rounds them
//                          (no contraction: `precise`), for the GEMM tiles and get_rows.

#define DT_Q8_0 3u
#define DT_Q4_0 4u
#define DT_Q4_1 5u
#define DT_Q5_0 6u
#define DT_Q5_1 7u
#define DT_Q4_K 8u
#define DT_Q5_K 9u
#define DT_Q6_K 10u

const bool QUANT = WDTYPE >= DT_Q8_0;
const bool QK = WDTYPE >= DT_Q4_K;  // the 256-value K types
const uint QBS = QK ? 256u : 32u;   // values per block
const uint QBB = WDTYPE == DT_Q8_0   ? 34u
                 : WDTYPE == DT_Q4_0 ? 18u
                 : WDTYPE == DT_Q4_1 ? 20u
                 : WDTYPE == DT_Q5_0 ? 22u
                 : WDTYPE == DT_Q5_1 ? 24u
                 : WDTYPE == DT_Q4_K ? 144u
                 : WDTYPE == DT_Q5_K ? 176u
                                     : 210u;  // bytes per block
const uint QUPB = QK ? 8u : 2u;  // q_unit units per block
const uint QNG = QK ? 8u : 4u;   // groups of 4 values per unit
// Byte offset of the 4-bit codes (Q4_0 .. Q5_1) and of the 32 high bits (Q5_0, Q5_1).
const uint QS_AT = WDTYPE == DT_Q4_0 ? 2u : WDTYPE == DT_Q4_1 ? 4u : WDTYPE == DT_Q5_0 ? 6u : 8u;
const uint QH_AT = WDTYPE == DT_Q5_0 ? 2u : 4u;
const bool Q5 = WDTYPE == DT_Q5_0 || WDTYPE == DT_Q5_1;
const bool QMIN = WDTYPE == DT_Q4_1 || WDTYPE == DT_Q5_1;  // x = d * q + m

// Bytes of a row of K values.
uint q_row_bytes(uint K) { return (K / QBS) * QBB; }

uint qu8(uint b) { return bitfieldExtract(w[b >> 2], int((b & 3u) * 8u), 8); }
int qi8(uint b) { return bitfieldExtract(int(w[b >> 2]), int((b & 3u) * 8u), 8); }
// f16 at an even address
float qf16(uint b) { return unpackHalf2x16(w[b >> 2] >> ((b & 2u) * 8u)).x; }
// 32 bits at any address (little-endian)
uint qu32(uint b) {
  const uint i = b >> 2, s = (b & 3u) * 8u;
  if (s == 0u) return w[i];
  return (w[i] >> s) | (w[i + 1u] << (32u - s));
}
// 16 bytes at b; `aligned`: b is a multiple of 16
uvec4 qu128(uint b, bool aligned) {
  if (aligned) return w4[b >> 4];
  return uvec4(qu32(b), qu32(b + 4u), qu32(b + 8u), qu32(b + 12u));
}

// The four bytes of a word as unsigned bit fields: bits [shift, shift + bits) of each byte.
uvec4 q_fields(uint word, uint shift, uint bits) {
  return (uvec4(word) >> (uvec4(0u, 8u, 16u, 24u) + shift)) & ((1u << bits) - 1u);
}
vec4 q_i8x4(uint word) {
  const int v = int(word);
  return vec4(bitfieldExtract(v, 0, 8), bitfieldExtract(v, 8, 8), bitfieldExtract(v, 16, 8),
              bitfieldExtract(v, 24, 8));
}
// Bit 4 of the codes of values j .. j+3 of a Q5_0/Q5_1 block (bit j of qh).
uvec4 q5_high(uint qh, uint j) { return ((uvec4(qh) >> (uvec4(0u, 1u, 2u, 3u) + j)) & 1u) << 4; }

// Scale sc[j] and min mn[j] (6 bits each) of a Q4_K/Q5_K block whose 12 scale bytes are in s.
uvec2 qk_scale_min(uvec3 s, uint j) {
  // byte i of the 12
#define SB(i) bitfieldExtract(s[(i) >> 2], int(((i) & 3u) * 8u), 8)
  if (j < 4u) return uvec2(SB(j) & 63u, SB(j + 4u) & 63u);
  return uvec2((SB(j + 4u) & 15u) | ((SB(j - 4u) >> 6) << 4), (SB(j + 4u) >> 4) | ((SB(j) >> 6) << 4));
#undef SB
}

// Unit u (0 .. K / QBS * QUPB) of the row at byte `row`: v[i] holds values kv[i] .. kv[i] + 3
// (positions in the row) for i < QNG. `a16`: the row starts on a 16-byte boundary (only the
// K types, whose blocks are multiples of 16 bytes, use it: 16-byte loads of their codes).
void q_unit(uint row, uint u, bool a16, out vec4 v[8], out uint kv[8]) {
  const uint blk = u / QUPB, p = u % QUPB, base = row + blk * QBB, k0 = blk * QBS;
  if (WDTYPE == DT_Q8_0) {
    // p: values 16p .. 16p + 15
    const float d = qf16(base);
    for (uint i = 0u; i < 4u; ++i) {
      v[i] = d * q_i8x4(qu32(base + 2u + 16u * p + 4u * i));
      kv[i] = k0 + 16u * p + 4u * i;
    }
  } else if (!QK) {
    // p: code bytes 8p .. 8p + 7: values 8p .. 8p + 7 (low nibbles), 16 + 8p .. (high)
    const float d = qf16(base), m = QMIN ? qf16(base + 2u) : 0.0;
    const uint qh = Q5 ? qu32(base + QH_AT) : 0u;
    const float zero = QMIN ? 0.0 : (Q5 ? 16.0 : 8.0);
    for (uint i = 0u; i < 2u; ++i) {
      const uint word = qu32(base + QS_AT + 8u * p + 4u * i);
      for (uint half_ = 0u; half_ < 2u; ++half_) {
        const uint j = 16u * half_ + 8u * p + 4u * i;  // position in the block
        uvec4 code = q_fields(word, 4u * half_, 4u);
        if (Q5) code |= q5_high(qh, j);
        v[2u * half_ + i] = d * (vec4(code) - zero) + m;
        kv[2u * half_ + i] = k0 + j;
      }
    }
  } else if (WDTYPE == DT_Q6_K) {
    // p = 4 hh + g: values 128 hh + 32 o + 8 g + (0 .. 7) for o = 0 .. 3
    const uint hh = p >> 2, l0 = 8u * (p & 3u);
    const float d = qf16(base + 208u);
    for (uint i = 0u; i < 2u; ++i) {
      const uint l = l0 + 4u * i;
      const uint lo = qu32(base + 64u * hh + l), hi = qu32(base + 64u * hh + 32u + l);
      const uint qh = qu32(base + 128u + 32u * hh + l);
      for (uint o = 0u; o < 4u; ++o) {
        // o = 0: low nibbles of lo, 1: of hi, 2: high nibbles of lo, 3: of hi
        const uvec4 code = q_fields((o & 1u) != 0u ? hi : lo, 4u * (o >> 1), 4u) |
                           (q_fields(qh, 2u * o, 2u) << 4);
        const float ds = d * float(qi8(base + 192u + 8u * hh + (l0 >> 4) + 2u * o));
        v[2u * o + i] = ds * (vec4(code) - 32.0);
        kv[2u * o + i] = k0 + 128u * hh + 32u * o + l;
      }
    }
  } else {
    // Q4_K / Q5_K, p = 2c + h: values 16h .. 16h + 15 of sub-blocks 2c (low nibbles of code
    // bytes 32c + 16h ..) and 2c + 1 (their high nibbles)
    const uint c = p >> 1, h = p & 1u;
    const vec2 dd = unpackHalf2x16(qu32(base));
    const uvec3 s = uvec3(qu32(base + 4u), qu32(base + 8u), qu32(base + 12u));
    const uvec2 sm0 = qk_scale_min(s, 2u * c), sm1 = qk_scale_min(s, 2u * c + 1u);
    const float ds0 = dd.x * float(sm0.x), dm0 = dd.y * float(sm0.y);
    const float ds1 = dd.x * float(sm1.x), dm1 = dd.y * float(sm1.y);
    const uvec4 qs = qu128(base + (WDTYPE == DT_Q5_K ? 48u : 16u) + 32u * c + 16u * h, a16);
    const uvec4 qh = WDTYPE == DT_Q5_K ? qu128(base + 16u + 16u * h, a16) : uvec4(0u);
    for (uint i = 0u; i < 4u; ++i) {
      uvec4 c0 = q_fields(qs[i], 0u, 4u), c1 = q_fields(qs[i], 4u, 4u);
      if (WDTYPE == DT_Q5_K) {
        c0 |= q_fields(qh[i], 2u * c, 1u) << 4;
        c1 |= q_fields(qh[i], 2u * c + 1u, 1u) << 4;
      }
      v[i] = ds0 * vec4(c0) - dm0;
      v[4u + i] = ds1 * vec4(c1) - dm1;
      kv[i] = k0 + 64u * c + 16u * h + 4u * i;
      kv[4u + i] = kv[i] + 32u;
    }
  }
}

// Values k .. k + 3 (k a multiple of 4) of the row at byte `row`, rounded exactly as
// dequantize_row() does (each product and sum rounded to f32 in the reference's order).
vec4 q_dequant4(uint row, uint k) {
  const uint blk = k / QBS, kk = k % QBS, base = row + blk * QBB;
  if (WDTYPE == DT_Q8_0) {
    precise vec4 r = q_i8x4(qu32(base + 2u + kk)) * qf16(base);
    return r;
  }
  if (!QK) {
    const float d = qf16(base);
    uvec4 code = q_fields(qu32(base + QS_AT + (kk & 15u)), kk >= 16u ? 4u : 0u, 4u);
    if (Q5) code |= q5_high(qu32(base + QH_AT), kk);
    if (QMIN) {
      precise vec4 r = d * vec4(code) + qf16(base + 2u);
      return r;
    }
    precise vec4 r = d * (vec4(code) - (Q5 ? 16.0 : 8.0));
    return r;
  }
  if (WDTYPE == DT_Q6_K) {
    const uint hh = kk / 128u, p = kk % 128u;
    const uvec4 code = q_fields(qu32(base + 64u * hh + (p & 63u)), p < 64u ? 0u : 4u, 4u) |
                       (q_fields(qu32(base + 128u + 32u * hh + (p & 31u)), 2u * (p / 32u), 2u) << 4);
    precise float ds = qf16(base + 208u) * float(qi8(base + 192u + kk / 16u));
    precise vec4 r = ds * (vec4(code) - 32.0);
    return r;
  }
  const uint j = kk / 32u, l = kk % 32u;
  const vec2 dd = unpackHalf2x16(qu32(base));
  const uvec2 sm = qk_scale_min(uvec3(qu32(base + 4u), qu32(base + 8u), qu32(base + 12u)), j);
  uvec4 code =
      q_fields(qu32(base + (WDTYPE == DT_Q5_K ? 48u : 16u) + 32u * (j / 2u) + l), 4u * (j & 1u), 4u);
  if (WDTYPE == DT_Q5_K) code |= q_fields(qu32(base + 16u + l), j, 1u) << 4;
  precise float ds = dd.x * float(sm.x);
  precise float dm = dd.y * float(sm.y);
  precise vec4 r = ds * vec4(code) - dm;
  return r;
}
