// Helpers shared by the shaders. Weights of 16-bit dtypes are read as uint words (two
// elements each, the lower-addressed one in the low half) and widened to fp32 here, so no
// 16-bit storage feature is needed.
#define DT_F32 0u
#define DT_F16 1u
#define DT_BF16 2u

float bf16_lo(uint w) { return uintBitsToFloat(w << 16); }
float bf16_hi(uint w) { return uintBitsToFloat(w & 0xffff0000u); }

// Element `hi` (0: low half, 1: high half) of a word of two 16-bit values of `dtype`.
float widen16(uint word, bool hi, uint dtype) {
  if (dtype == DT_BF16) return hi ? bf16_hi(word) : bf16_lo(word);
  vec2 v = unpackHalf2x16(word);
  return hi ? v.y : v.x;
}

// The 8 (16-bit dtypes) elements of a uvec4 as two vec4s.
void widen8(uvec4 q, uint dtype, out vec4 lo, out vec4 hi) {
  if (dtype == DT_BF16) {
    lo = vec4(bf16_lo(q.x), bf16_hi(q.x), bf16_lo(q.y), bf16_hi(q.y));
    hi = vec4(bf16_lo(q.z), bf16_hi(q.z), bf16_lo(q.w), bf16_hi(q.w));
  } else {
    lo = vec4(unpackHalf2x16(q.x), unpackHalf2x16(q.y));
    hi = vec4(unpackHalf2x16(q.z), unpackHalf2x16(q.w));
  }
}

float silu(float v) { return v / (1.0 + exp(-v)); }

// softplus as the reference computes it: log1p(exp(v)), linear above 20. log(1 + e) for a
// small e (delta ~1e-3, common) loses e's low bits in the sum, and Vulkan lets log be off
// by 2^-21 absolute near 1 (GPUs are), so e < 1/64 takes the series (error < e^5 / 5).
float softplus(float v) {
  if (v > 20.0) return v;
  const float e = exp(v);
  if (e < 0.015625) return e * (1.0 - e * (0.5 - e * (1.0 / 3.0 - e * 0.25)));
  return log(1.0 + e);
}
