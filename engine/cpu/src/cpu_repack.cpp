// Row groups of block-quantized weights (layout: cpu_repack.hpp): packing at load and the
// exact inverse for get_rows and download. Plain byte shuffles, no arithmetic on values.
#include "cpu_repack.hpp"

#include <algorithm>
#include <cstring>

namespace coil::repack {
namespace {

constexpr int64_t kBlock = 32;                       // values per block of Q4_0 / Q8_0
constexpr int64_t kScaleBytes = 2 * kGroupRows * 2;  // a pair's f16 scales

// Bytes of one block's codes in a group, and of one pair.
int64_t code_bytes(DType t) {
  return t == DType::Q8_0 ? 512 : 256;
}
int64_t pair_bytes(DType t) {
  return kScaleBytes + 2 * code_bytes(t);
}

// Moves block `blk` of row r of a group between the stored block at `b` and the pair at
// `pair` (group layout) in either direction: one function keeps the two each other's inverse.
template <bool kPack>
void move_block(DType t, uint8_t* b, int64_t r, int64_t blk, uint8_t* pair) {
  const int64_t half = blk % 2;
  uint8_t* codes = pair + kScaleBytes + half * code_bytes(t);
  uint8_t* s = pair + 2 * (half * kGroupRows + r);  // d (f16), then the codes
  kPack ? std::memcpy(s, b, 2) : std::memcpy(b, s, 2);
  uint8_t* q = b + 2;
  if (t == DType::Q8_0) {  // vector j, lane r: values 4j .. 4j + 3, as q ^ 0x80
    for (int64_t j = 0; j < 8; ++j)
      for (int64_t i = 0; i < 4; ++i) {
        uint8_t& c = codes[64 * j + 4 * r + i];
        if (kPack)
          c = q[4 * j + i] ^ 0x80;
        else
          q[4 * j + i] = c ^ 0x80;
      }
    return;
  }
  uint8_t v[kBlock];  // Q4_0: stored byte i = value i | value i + 16 << 4
  if (kPack)
    for (int64_t i = 0; i < 16; ++i) v[i] = q[i] & 0x0f, v[i + 16] = q[i] >> 4;
  for (int64_t k = 0; k < 4; ++k)  // vector k, lane r: values 8k + i (low), 8k + 4 + i (high)
    for (int64_t i = 0; i < 4; ++i) {
      uint8_t& c = codes[64 * k + 4 * r + i];
      if (kPack) {
        c = static_cast<uint8_t>(v[8 * k + i] | v[8 * k + 4 + i] << 4);
      } else {
        v[8 * k + i] = c & 0x0f;
        v[8 * k + 4 + i] = c >> 4;
      }
    }
  if (!kPack)
    for (int64_t i = 0; i < 16; ++i) q[i] = static_cast<uint8_t>(v[i] | v[i + 16] << 4);
}

// Q4_K: super-block `sb` (256 values) of row r between its stored bytes at `b` and the
// group's super-block at `out` (layout: cpu_repack.hpp).
template <bool kPack>
void move_superblock(uint8_t* b, int64_t r, uint8_t* out) {
  auto field = [&](uint8_t* row_part, uint8_t* group_part, size_t n) {
    kPack ? std::memcpy(group_part, row_part, n) : std::memcpy(row_part, group_part, n);
  };
  field(b, out + 2 * r, 2);           // d
  field(b + 2, out + 32 + 2 * r, 2);  // dmin
  for (int64_t w = 0; w < 3; ++w)     // the 12 scale bytes as 3 words
    field(b + 4 + 4 * w, out + 64 + 64 * w + 4 * r, 4);
  uint8_t* qs = b + 16;  // chunk c: sub-block 2c in the low nibbles, 2c + 1 in the high ones
  for (int64_t j = 0; j < 8; ++j) {
    uint8_t* codes = out + 256 + 256 * j;
    const int sh = 4 * (j % 2);
    uint8_t* q = qs + 32 * (j / 2);
    for (int64_t k = 0; k < 4; ++k)
      for (int64_t i = 0; i < 4; ++i) {
        uint8_t& c = codes[64 * k + 4 * r + i];
        uint8_t& lo = q[8 * k + i];
        uint8_t& hi = q[8 * k + 4 + i];
        if (kPack) {
          c = static_cast<uint8_t>(((lo >> sh) & 0x0f) | ((hi >> sh) & 0x0f) << 4);
        } else {
          lo = static_cast<uint8_t>((lo & ~(0x0f << sh)) | (c & 0x0f) << sh);
          hi = static_cast<uint8_t>((hi & ~(0x0f << sh)) | (c >> 4) << sh);
        }
      }
  }
}

}  // namespace

bool supported(DType t, int64_t N, int64_t K) {
  const int64_t unit = t == DType::Q4_K ? 256 : 64;
  return (t == DType::Q4_0 || t == DType::Q8_0 || t == DType::Q4_K) && K > 0 && K % unit == 0 &&
         N >= kGroupRows;
}

void pack_groups(DType t, int64_t K, const void* src, void* dst, int64_t g0, int64_t g1) {
  const size_t row_bytes = dtype_row_bytes(t, K), bb = dtype_block_bytes(t);
  for (int64_t g = g0; g < g1; ++g) {
    // only read (move_block<true> writes the pair)
    auto* rows =
        const_cast<uint8_t*>(static_cast<const uint8_t*>(src)) + g * kGroupRows * row_bytes;
    uint8_t* out = static_cast<uint8_t*>(dst) + g * kGroupRows * row_bytes;
    for (int64_t r = 0; r < kGroupRows; ++r)
      if (t == DType::Q4_K)
        for (int64_t sb = 0; sb < K / 256; ++sb)
          move_superblock<true>(rows + r * row_bytes + sb * bb, r, out + sb * kGroupRows * bb);
      else
        for (int64_t blk = 0; blk < K / kBlock; ++blk)
          move_block<true>(t, rows + r * row_bytes + blk * bb, r, blk,
                           out + (blk / 2) * pair_bytes(t));
  }
}

void unpack_rows(DType t, int64_t N, int64_t K, const void* packed, int64_t n0, int64_t n,
                 void* dst) {
  const size_t row_bytes = dtype_row_bytes(t, K), bb = dtype_block_bytes(t);
  const int64_t grouped = grouped_rows(N);
  auto* p = const_cast<uint8_t*>(static_cast<const uint8_t*>(packed));  // only read
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t row = n0; row < n0 + n; ++row) {
    uint8_t* o = out + (row - n0) * row_bytes;
    if (row >= grouped) {  // stored as is
      std::memcpy(o, p + row * row_bytes, row_bytes);
      continue;
    }
    uint8_t* group = p + row / kGroupRows * kGroupRows * row_bytes;
    if (t == DType::Q4_K) {
      for (int64_t sb = 0; sb < K / 256; ++sb)
        move_superblock<false>(o + sb * bb, row % kGroupRows, group + sb * kGroupRows * bb);
      continue;
    }
    for (int64_t blk = 0; blk < K / kBlock; ++blk)
      move_block<false>(t, o + blk * bb, row % kGroupRows, blk, group + (blk / 2) * pair_bytes(t));
  }
}

}  // namespace coil::repack
