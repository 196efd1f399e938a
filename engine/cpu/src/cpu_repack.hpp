// The CPU backend's private layout of block-quantized weights ("row groups"), made at load
// by upload_weight where the kernel table has a matmul for it (avx512vnni: cpu_quant_groups.hpp).
// Nothing outside the CPU backend ever sees it: get_rows and download restore the stored
// rows bit for bit (unpack_rows), and the model's own host copy (hashed for the state
// fingerprint, read by quantize and the GGUF writer) is never touched.
//
// Rows [0, 16 * (N / 16)) of W [N, K] are stored in groups of 16 rows; the rows after that
// (N % 16 of them) stay as stored. A group holds exactly the bytes of its 16 rows, so group
// g starts at byte 16 g row_bytes and a rows view starting at a multiple of 16 stays valid.
// Within a group, per pair p of blocks (values 64p .. 64p + 63 of every row):
//   [32 f16 scales: block 2p of rows 0..15, then block 2p + 1 of rows 0..15]   64 bytes
//   [codes of block 2p][codes of block 2p + 1]                                 2 x C bytes
// with the codes of a block for one zmm per 4 values of each row: lane r (bytes 4r..4r+3)
// of vector j holds row r's codes of values 4j .. 4j + 3, so one vpdpbusd against 4
// broadcast activations gives 16 rows' partial sums at once:
//   Q8_0 (C = 512): 8 vectors, unsigned codes u = q + 128 (q ^ 0x80);
//   Q4_0 (C = 256): 4 vectors of nibbles, vector k's low nibbles values 8k .. 8k + 3 and its
//                   high nibbles values 8k + 4 .. 8k + 7 (codes 0..15 as stored).
// Pairs are 576 (Q4_0) or 1088 (Q8_0) bytes: 64-byte aligned when the buffer is.
// Q4_K, per super-block (256 values, 2304 bytes for the group's 16 rows):
//   [16 f16 d][16 f16 dmin][the 12 scale bytes of each row as 3 vectors of 16 words: word
//   w of row r at 64 w + 4 r][8 sub-blocks' codes, 256 bytes each, as Q4_0's codes]
#pragma once
#include <cstddef>
#include <cstdint>

#include "coil/dtype.hpp"

namespace coil::repack {

constexpr int64_t kGroupRows = 16;

// Whether W [N, K] of type t has a row-group layout: Q4_0 or Q8_0 with K a multiple of 64,
// Q4_K; at least one group.
bool supported(DType t, int64_t N, int64_t K);
// Rows stored in groups: 16 * (N / 16).
inline int64_t grouped_rows(int64_t N) {
  return N / kGroupRows * kGroupRows;
}

// Groups [g0, g1) of W (rows as stored, `src`) into `dst` (the whole packed tensor); the
// caller copies the rows after the last group as they are.
void pack_groups(DType t, int64_t K, const void* src, void* dst, int64_t g0, int64_t g1);
// Rows [n0, n0 + n) of a packed W [N, K] (any rows, grouped or not) as stored, into `dst`
// (n rows of dtype_row_bytes(t, K) bytes).
void unpack_rows(DType t, int64_t N, int64_t K, const void* packed, int64_t n0, int64_t n,
                 void* dst);

}  // namespace coil::repack
