// Host <-> device copies through pinned staging buffers, ordered on the backend's stream.
//
// upload() copies the caller's memory into a pinned slot and enqueues the DMA, so it returns
// as soon as the source may be reused and never waits for the GPU (except for a slot still
// in flight from an earlier copy); small uploads between graph replays (the next token id)
// therefore cost one memcpy and one cudaMemcpyAsync. download() waits for every op enqueued
// before it, then copies out, overlapping the DMA of one slot with the memcpy of the other.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

namespace coil::cuda {

class Staging {
 public:
  Staging(cudaStream_t stream, size_t slot_bytes);
  ~Staging();
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  // `rows` rows of `row_bytes` bytes: packed at `host`, `pitch` bytes apart at `dev`.
  void upload(void* dev, size_t pitch, const void* host, size_t row_bytes, size_t rows);
  void download(const void* dev, size_t pitch, void* host, size_t row_bytes, size_t rows);

 private:
  struct Piece {
    size_t row0, nrows;   // rows [row0, row0 + nrows)
    size_t byte0, bytes;  // within each row: bytes [byte0, byte0 + bytes)
  };
  static size_t row_pitch(const Piece& p, size_t pitch);
  void release();
  template <typename Fn>
  void for_each_piece(size_t row_bytes, size_t rows, Fn&& fn) const;

  static constexpr int kSlots = 2;
  cudaStream_t stream_;
  size_t slot_bytes_;
  char* slot_[kSlots] = {};
  cudaEvent_t done_[kSlots] = {};
  int next_ = 0;
};

}  // namespace coil::cuda
