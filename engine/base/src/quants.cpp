// Scalar reference conversions of GGUF's block types (layouts in coil/quants.hpp).
// Dequantization and the Q8_0..Q5_1 quantizers follow gguf-py's numpy definitions step by
// step, in f32, so the results are bit-identical (this file is compiled without FMA
// contraction: see engine/CMakeLists.txt). The K-type quantizers are our own.
#include "coil/quants.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "coil/error.hpp"

namespace coil {
namespace {

float f16(uint16_t h) {
  return f16_to_f32(h);
}

// --- dequantization -----------------------------------------------------------------------

void deq_q8_0(const BlockQ8_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = f16(b[i].d);
    for (int l = 0; l < kQK; ++l) y[l] = static_cast<float>(b[i].qs[l]) * d;
  }
}

void deq_q4_0(const BlockQ4_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = f16(b[i].d);
    for (int l = 0; l < kQK / 2; ++l) {
      y[l] = d * static_cast<float>((b[i].qs[l] & 0x0f) - 8);
      y[l + kQK / 2] = d * static_cast<float>((b[i].qs[l] >> 4) - 8);
    }
  }
}

void deq_q4_1(const BlockQ4_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = f16(b[i].d), m = f16(b[i].m);
    for (int l = 0; l < kQK / 2; ++l) {
      const float lo = d * static_cast<float>(b[i].qs[l] & 0x0f);
      const float hi = d * static_cast<float>(b[i].qs[l] >> 4);
      y[l] = lo + m;
      y[l + kQK / 2] = hi + m;
    }
  }
}

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The 5-bit code of value j of a Q5_0/Q5_1 block.
int q5_code(const uint8_t* qs, uint32_t qh, int j) {
  const int lo = j < kQK / 2 ? (qs[j] & 0x0f) : (qs[j - kQK / 2] >> 4);
  return lo | static_cast<int>(((qh >> j) & 1u) << 4);
}

void deq_q5_0(const BlockQ5_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = f16(b[i].d);
    const uint32_t qh = load_u32(b[i].qh);
    for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(q5_code(b[i].qs, qh, j) - 16);
  }
}

void deq_q5_1(const BlockQ5_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = f16(b[i].d), m = f16(b[i].m);
    const uint32_t qh = load_u32(b[i].qh);
    for (int j = 0; j < kQK; ++j) {
      const float v = d * static_cast<float>(q5_code(b[i].qs, qh, j));
      y[j] = v + m;
    }
  }
}

// The 4-bit low part of value l of sub-block j of a Q4_K/Q5_K block.
int k_low4(const uint8_t* qs, int j, int l) {
  const uint8_t byte = qs[(j / 2) * 32 + l];
  return (j % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
}

template <class Block, bool kFiveBit>
void deq_k(const Block* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = f16(b[i].d), dmin = f16(b[i].dmin);
    for (int j = 0; j < 8; ++j, y += 32) {
      uint8_t sc, mn;
      k_scale_min(b[i].scales, j, &sc, &mn);
      const float ds = d * static_cast<float>(sc);
      const float dm = dmin * static_cast<float>(mn);
      for (int l = 0; l < 32; ++l) {
        int q = k_low4(b[i].qs, j, l);
        if constexpr (kFiveBit) q |= ((b[i].qh[l] >> j) & 1) << 4;
        const float v = ds * static_cast<float>(q);
        y[l] = v - dm;
      }
    }
  }
}

// The 6-bit code (0..63) of value e of a Q6_K block.
int q6_code(const BlockQ6_K& b, int e) {
  const int h = e / 128, p = e % 128;
  const uint8_t lb = b.ql[64 * h + p % 64];
  const int lo = p < 64 ? (lb & 0x0f) : (lb >> 4);
  const int hi = (b.qh[32 * h + p % 32] >> (2 * (p / 32))) & 3;
  return lo | (hi << 4);
}

void deq_q6_k(const BlockQ6_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = f16(b[i].d);
    for (int e = 0; e < kQKK; ++e) {
      const float ds = d * static_cast<float>(b[i].scales[e / 16]);
      y[e] = ds * static_cast<float>(q6_code(b[i], e) - 32);
    }
  }
}

// --- quantization (Q8_0 .. Q5_1: gguf-py's algorithm) --------------------------------------

// 1/d, or 0 where d is 0 (gguf-py: np.where(d == 0, 0, 1 / d)).
float inverse(float d) {
  return d == 0.0f ? 0.0f : 1.0f / d;
}

// The value of largest magnitude, signed (the first one on a tie, as numpy's argmax).
float signed_absmax(const float* x, int n) {
  float best = x[0];
  for (int l = 1; l < n; ++l)
    if (std::fabs(x[l]) > std::fabs(best)) best = x[l];
  return best;
}

// trunc(v) clipped to [0, top]: gguf-py's np.trunc(...).astype(uint8).clip(0, top).
int trunc_clip(float v, int top) {
  const float t = std::trunc(v);
  if (!(t >= 0.0f)) return 0;
  return t >= static_cast<float>(top) ? top : static_cast<int>(t);
}

void q_q8_0(const float* x, BlockQ8_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int l = 0; l < kQK; ++l) amax = std::max(amax, std::fabs(x[l]));
    const float d = amax / 127.0f;
    const float id = inverse(d);
    b[i].d = f32_to_f16(d);
    for (int l = 0; l < kQK; ++l) b[i].qs[l] = static_cast<int8_t>(std::round(x[l] * id));
  }
}

void q_q4_0(const float* x, BlockQ4_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -8.0f;
    const float id = inverse(d);
    b[i].d = f32_to_f16(d);
    for (int l = 0; l < kQK / 2; ++l) {
      const int lo = trunc_clip(x[l] * id + 8.5f, 15);
      const int hi = trunc_clip(x[l + kQK / 2] * id + 8.5f, 15);
      b[i].qs[l] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void min_max(const float* x, int n, float* mn, float* mx) {
  *mn = *mx = x[0];
  for (int l = 1; l < n; ++l) {
    *mn = std::min(*mn, x[l]);
    *mx = std::max(*mx, x[l]);
  }
}

void q_q4_1(const float* x, BlockQ4_1* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float mn, mx;
    min_max(x, kQK, &mn, &mx);
    const float d = (mx - mn) / 15.0f;
    const float id = inverse(d);
    b[i].d = f32_to_f16(d);
    b[i].m = f32_to_f16(mn);
    for (int l = 0; l < kQK / 2; ++l) {
      const int lo = trunc_clip((x[l] - mn) * id + 0.5f, 15);
      const int hi = trunc_clip((x[l + kQK / 2] - mn) * id + 0.5f, 15);
      b[i].qs[l] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

// Packs 32 five-bit codes into qh (bit 4 of each) and qs (low 4 bits, Q4 packing).
void pack_q5(const int* q, uint8_t* qh, uint8_t* qs) {
  uint32_t h = 0;
  for (int j = 0; j < kQK; ++j) h |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
  std::memcpy(qh, &h, 4);
  for (int l = 0; l < kQK / 2; ++l)
    qs[l] = static_cast<uint8_t>((q[l] & 0x0f) | ((q[l + kQK / 2] & 0x0f) << 4));
}

void q_q5_0(const float* x, BlockQ5_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    const float d = signed_absmax(x, kQK) / -16.0f;
    const float id = inverse(d);
    b[i].d = f32_to_f16(d);
    int q[kQK];
    for (int l = 0; l < kQK; ++l) q[l] = trunc_clip(x[l] * id + 16.5f, 31);
    pack_q5(q, b[i].qh, b[i].qs);
  }
}

void q_q5_1(const float* x, BlockQ5_1* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float mn, mx;
    min_max(x, kQK, &mn, &mx);
    const float d = (mx - mn) / 31.0f;
    const float id = inverse(d);
    b[i].d = f32_to_f16(d);
    b[i].m = f32_to_f16(mn);
    int q[kQK];
    for (int l = 0; l < kQK; ++l) q[l] = trunc_clip((x[l] - mn) * id + 0.5f, 31);
    pack_q5(q, b[i].qh, b[i].qs);
  }
}

// --- quantization of the K types (ours) -----------------------------------------------------

int round_clamp(float v, int lo, int hi) {
  if (!(v == v)) return lo;
  const float r = std::nearbyint(v);
  return r <= lo ? lo : r >= hi ? hi : static_cast<int>(r);
}

// The f16 of a non-negative super-scale, kept finite.
uint16_t f16_scale(float v) {
  return f32_to_f16(std::min(v, 65504.0f));
}

// Least-squares x ~ s * q - m over q in [0, top] with s >= 0, m >= 0: tries 21 grids
// spanning the values' range (slightly narrower to slightly wider), fits s and m to each
// grid's codes, keeps the best.
void fit_affine(const float* x, int n, int top, float* s_out, float* m_out) {
  float lo, hi;
  min_max(x, n, &lo, &hi);
  lo = std::min(lo, 0.0f);
  *s_out = 0.0f;
  *m_out = -lo;
  if (!(hi > lo)) return;
  double best = std::numeric_limits<double>::infinity();
  for (int k = -10; k <= 10; ++k) {
    const float iscale = (static_cast<float>(top) + 0.1f * static_cast<float>(k)) / (hi - lo);
    double sq = 0, sqq = 0, sx = 0, sxq = 0;
    int q[kQKK];
    for (int l = 0; l < n; ++l) {
      q[l] = round_clamp(iscale * (x[l] - lo), 0, top);
      sq += q[l];
      sqq += double(q[l]) * q[l];
      sx += x[l];
      sxq += double(x[l]) * q[l];
    }
    const double det = n * sqq - sq * sq;
    if (det <= 0) continue;
    double s = (n * sxq - sq * sx) / det, b = (sqq * sx - sq * sxq) / det;
    if (b > 0) {  // the offset may only lower values
      b = 0;
      s = sxq / sqq;
    }
    if (!(s > 0)) continue;
    double err = 0;
    for (int l = 0; l < n; ++l) {
      const double e = s * q[l] + b - x[l];
      err += e * e;
    }
    if (err < best) {
      best = err;
      *s_out = static_cast<float>(s);
      *m_out = static_cast<float>(-b);
    }
  }
  if (best == std::numeric_limits<double>::infinity()) *s_out = (hi - lo) / top;
}

// Least-squares x ~ s * q over q in [-32, 31], s of either sign.
float fit_symmetric(const float* x, int n) {
  const float v = signed_absmax(x, n);
  if (v == 0.0f) return 0.0f;
  double best = std::numeric_limits<double>::infinity();
  float best_s = v / -32.0f;
  for (int k = -10; k <= 10; ++k) {
    const float iscale = -(32.0f + 0.1f * static_cast<float>(k)) / v;
    double sqq = 0, sxq = 0, sxx = 0;
    for (int l = 0; l < n; ++l) {
      const int q = round_clamp(iscale * x[l], -32, 31);
      sqq += double(q) * q;
      sxq += double(x[l]) * q;
      sxx += double(x[l]) * x[l];
    }
    if (sqq <= 0) continue;
    const double err = sxx - sxq * sxq / sqq;
    if (err < best) {
      best = err;
      best_s = static_cast<float>(sxq / sqq);
    }
  }
  return best_s;
}

// Packs the 6-bit sc/mn of 8 sub-blocks (layout in coil/quants.hpp).
void pack_k_scales(const int* sc, const int* mn, uint8_t* out) {
  for (int j = 0; j < 4; ++j) {
    out[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    out[j + 4] = static_cast<uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    out[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0x0f) | ((mn[j + 4] & 0x0f) << 4));
  }
}

// One Q4_K/Q5_K super-block: codes q[256] in [0, top], the block's d/dmin/scales filled.
template <class Block>
void quant_k_affine(const float* x, Block* b, int top, int* q) {
  float s[8], m[8], smax = 0, mmax = 0;
  for (int j = 0; j < 8; ++j) {
    fit_affine(x + 32 * j, 32, top, &s[j], &m[j]);
    smax = std::max(smax, s[j]);
    mmax = std::max(mmax, m[j]);
  }
  b->d = f16_scale(smax / 63.0f);
  b->dmin = f16_scale(mmax / 63.0f);
  const float d = f16(b->d), dmin = f16(b->dmin);
  int sc[8], mn[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = d > 0 ? round_clamp(s[j] / d, 0, 63) : 0;
    mn[j] = dmin > 0 ? round_clamp(m[j] / dmin, 0, 63) : 0;
  }
  pack_k_scales(sc, mn, b->scales);
  for (int j = 0; j < 8; ++j) {
    const float ds = d * static_cast<float>(sc[j]);
    const float dm = dmin * static_cast<float>(mn[j]);
    for (int l = 0; l < 32; ++l)
      q[32 * j + l] = ds > 0 ? round_clamp((x[32 * j + l] + dm) / ds, 0, top) : 0;
  }
}

void pack_k_low4(const int* q, uint8_t* qs) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l)
      qs[32 * c + l] =
          static_cast<uint8_t>((q[64 * c + l] & 0x0f) | ((q[64 * c + 32 + l] & 0x0f) << 4));
}

void q_q4_k(const float* x, BlockQ4_K* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQKK) {
    int q[kQKK];
    quant_k_affine(x, &b[i], 15, q);
    pack_k_low4(q, b[i].qs);
  }
}

void q_q5_k(const float* x, BlockQ5_K* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQKK) {
    int q[kQKK];
    quant_k_affine(x, &b[i], 31, q);
    pack_k_low4(q, b[i].qs);
    std::memset(b[i].qh, 0, sizeof b[i].qh);
    for (int j = 0; j < 8; ++j)
      for (int l = 0; l < 32; ++l)
        b[i].qh[l] = static_cast<uint8_t>(b[i].qh[l] | (((q[32 * j + l] >> 4) & 1) << j));
  }
}

void q_q6_k(const float* x, BlockQ6_K* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQKK) {
    float s[16], smax = 0;
    for (int j = 0; j < 16; ++j) {
      s[j] = fit_symmetric(x + 16 * j, 16);
      smax = std::max(smax, std::fabs(s[j]));
    }
    b[i].d = f16_scale(smax / 127.0f);
    const float d = f16(b[i].d);
    for (int j = 0; j < 16; ++j)
      b[i].scales[j] = static_cast<int8_t>(d > 0 ? round_clamp(s[j] / d, -127, 127) : 0);
    std::memset(b[i].ql, 0, sizeof b[i].ql);
    std::memset(b[i].qh, 0, sizeof b[i].qh);
    for (int e = 0; e < kQKK; ++e) {
      const float ds = d * static_cast<float>(b[i].scales[e / 16]);
      const int q = (ds != 0 ? round_clamp(x[e] / ds, -32, 31) : 0) + 32;
      const int h = e / 128, p = e % 128;
      uint8_t& lb = b[i].ql[64 * h + p % 64];
      lb = static_cast<uint8_t>(lb | ((q & 0x0f) << (p < 64 ? 0 : 4)));
      uint8_t& hb = b[i].qh[32 * h + p % 32];
      hb = static_cast<uint8_t>(hb | ((q >> 4) << (2 * (p / 32))));
    }
  }
}

int64_t whole_blocks(DType t, int64_t n, const char* what) {
  if (!dtype_row_fits(t, n))
    throw Error(std::string("internal: ") + what + " of " + std::to_string(n) + " values of " +
                dtype_name(t) + ", not a whole number of its " +
                std::to_string(dtype_block_size(t)) + "-value blocks");
  return n / dtype_block_size(t);
}

}  // namespace

void dequantize_row(DType t, const void* src, float* y, int64_t n) {
  const int64_t nb = whole_blocks(t, n, "dequantize_row");
  switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::I32:
      convert_to_f32(t, src, y, static_cast<size_t>(n));
      return;
    case DType::Q8_0:
      return deq_q8_0(static_cast<const BlockQ8_0*>(src), y, nb);
    case DType::Q4_0:
      return deq_q4_0(static_cast<const BlockQ4_0*>(src), y, nb);
    case DType::Q4_1:
      return deq_q4_1(static_cast<const BlockQ4_1*>(src), y, nb);
    case DType::Q5_0:
      return deq_q5_0(static_cast<const BlockQ5_0*>(src), y, nb);
    case DType::Q5_1:
      return deq_q5_1(static_cast<const BlockQ5_1*>(src), y, nb);
    case DType::Q4_K:
      return deq_k<BlockQ4_K, false>(static_cast<const BlockQ4_K*>(src), y, nb);
    case DType::Q5_K:
      return deq_k<BlockQ5_K, true>(static_cast<const BlockQ5_K*>(src), y, nb);
    case DType::Q6_K:
      return deq_q6_k(static_cast<const BlockQ6_K*>(src), y, nb);
  }
}

void quantize_row(DType t, const float* x, void* dst, int64_t n) {
  const int64_t nb = whole_blocks(t, n, "quantize_row");
  switch (t) {
    case DType::F32:
      std::memcpy(dst, x, static_cast<size_t>(n) * 4);
      return;
    case DType::F16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(x[i]);
      return;
    }
    case DType::BF16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(x[i]);
      return;
    }
    case DType::I32:
      throw Error("internal: quantize_row to I32");
    case DType::Q8_0:
      return q_q8_0(x, static_cast<BlockQ8_0*>(dst), nb);
    case DType::Q4_0:
      return q_q4_0(x, static_cast<BlockQ4_0*>(dst), nb);
    case DType::Q4_1:
      return q_q4_1(x, static_cast<BlockQ4_1*>(dst), nb);
    case DType::Q5_0:
      return q_q5_0(x, static_cast<BlockQ5_0*>(dst), nb);
    case DType::Q5_1:
      return q_q5_1(x, static_cast<BlockQ5_1*>(dst), nb);
    case DType::Q4_K:
      return q_q4_k(x, static_cast<BlockQ4_K*>(dst), nb);
    case DType::Q5_K:
      return q_q5_k(x, static_cast<BlockQ5_K*>(dst), nb);
    case DType::Q6_K:
      return q_q6_k(x, static_cast<BlockQ6_K*>(dst), nb);
  }
}

}  // namespace coil
