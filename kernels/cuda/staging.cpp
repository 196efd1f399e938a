#include "staging.hpp"

#include <algorithm>
#include <cstring>

#include "cuda_error.hpp"

namespace coil::cuda {

Staging::Staging(cudaStream_t stream, size_t slot_bytes)
    : stream_(stream), slot_bytes_(slot_bytes) {
  try {
    for (int i = 0; i < kSlots; ++i) {
      check(cudaHostAlloc(reinterpret_cast<void**>(&slot_[i]), slot_bytes_, cudaHostAllocDefault),
            "allocating pinned host memory for copies");
      check(cudaEventCreateWithFlags(&done_[i], cudaEventDisableTiming), "creating an event");
    }
  } catch (...) {
    release();
    throw;
  }
}

Staging::~Staging() {
  release();
}

void Staging::release() {
  for (int i = 0; i < kSlots; ++i) {
    if (done_[i]) {
      (void)cudaEventSynchronize(done_[i]);
      (void)cudaEventDestroy(done_[i]);
      done_[i] = nullptr;
    }
    if (slot_[i]) {
      (void)cudaFreeHost(slot_[i]);
      slot_[i] = nullptr;
    }
  }
  (void)cudaGetLastError();
}

// The device pitch to pass for a piece. A contiguous tensor is copied as one long "row"
// whose pitch is the whole tensor's size, and cudaMemcpy2D* rejects a pitch above the
// device's maximum (2^31 - 1 bytes: a 2 GiB tensor, e.g. F32 weights of a large model) with
// cudaErrorInvalidPitchValue; a single-row piece never steps by the pitch, so give it its
// width.
size_t Staging::row_pitch(const Piece& p, size_t pitch) {
  return p.nrows == 1 ? p.bytes : pitch;
}

// Whole rows per piece when a row fits in a slot, else slot-sized parts of one row.
template <typename Fn>
void Staging::for_each_piece(size_t row_bytes, size_t rows, Fn&& fn) const {
  if (row_bytes == 0 || rows == 0) return;
  if (row_bytes <= slot_bytes_) {
    const size_t per = slot_bytes_ / row_bytes;
    for (size_t r = 0; r < rows; r += per) fn(Piece{r, std::min(per, rows - r), 0, row_bytes});
    return;
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t b = 0; b < row_bytes; b += slot_bytes_)
      fn(Piece{r, 1, b, std::min(slot_bytes_, row_bytes - b)});
}

void Staging::upload(void* dev, size_t pitch, const void* host, size_t row_bytes, size_t rows) {
  if (pitch == row_bytes) {  // contiguous: one long row
    row_bytes *= rows;
    rows = 1;
    pitch = row_bytes;
  }
  const char* src = static_cast<const char*>(host);
  char* dst = static_cast<char*>(dev);
  for_each_piece(row_bytes, rows, [&](const Piece& p) {
    const int s = next_;
    next_ = (next_ + 1) % kSlots;
    check(cudaEventSynchronize(done_[s]), "waiting for an earlier upload");
    char* stage = slot_[s];
    for (size_t r = 0; r < p.nrows; ++r)
      std::memcpy(stage + r * p.bytes, src + (p.row0 + r) * row_bytes + p.byte0, p.bytes);
    check(cudaMemcpy2DAsync(dst + p.row0 * pitch + p.byte0, row_pitch(p, pitch), stage, p.bytes,
                            p.bytes, p.nrows, cudaMemcpyHostToDevice, stream_),
          "copying to the GPU");
    check(cudaEventRecord(done_[s], stream_), "recording an event");
  });
}

void Staging::download(const void* dev, size_t pitch, void* host, size_t row_bytes, size_t rows) {
  if (pitch == row_bytes) {
    row_bytes *= rows;
    rows = 1;
    pitch = row_bytes;
  }
  const char* src = static_cast<const char*>(dev);
  char* dst = static_cast<char*>(host);
  struct Pending {
    Piece p;
    int slot;
  };
  Pending pending{};
  bool has_pending = false;
  auto drain = [&](const Pending& q) {
    check(cudaEventSynchronize(done_[q.slot]), "copying from the GPU");
    for (size_t r = 0; r < q.p.nrows; ++r)
      std::memcpy(dst + (q.p.row0 + r) * row_bytes + q.p.byte0, slot_[q.slot] + r * q.p.bytes,
                  q.p.bytes);
  };
  for_each_piece(row_bytes, rows, [&](const Piece& p) {
    const int s = next_;
    next_ = (next_ + 1) % kSlots;
    // an upload still reading this slot runs first: both are ordered on the stream
    check(cudaMemcpy2DAsync(slot_[s], p.bytes, src + p.row0 * pitch + p.byte0, row_pitch(p, pitch),
                            p.bytes, p.nrows, cudaMemcpyDeviceToHost, stream_),
          "copying from the GPU");
    check(cudaEventRecord(done_[s], stream_), "recording an event");
    if (has_pending) drain(pending);
    pending = Pending{p, s};
    has_pending = true;
  });
  if (has_pending) drain(pending);
}

}  // namespace coil::cuda
