#include "coil/host_buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace coil {

HostBuffer::HostBuffer(size_t bytes) : size_(bytes), owned_(true) {
  const size_t rounded = (bytes + 63) / 64 * 64;
  data_ = static_cast<char*>(std::aligned_alloc(64, rounded == 0 ? 64 : rounded));
  if (!data_) throw std::bad_alloc();
  std::memset(data_, 0, rounded == 0 ? 64 : rounded);
}

HostBuffer::HostBuffer(const void* data, size_t bytes, std::shared_ptr<const void> keepalive)
    : data_(const_cast<char*>(static_cast<const char*>(data))),
      size_(bytes),
      owned_(false),
      keepalive_(std::move(keepalive)) {}

HostBuffer::~HostBuffer() {
  if (owned_) std::free(data_);
}

void copy_to_tensor(const Tensor& dst, const void* src) {
  auto* d = host_ptr<char>(dst);
  auto* s = static_cast<const char*>(src);
  const size_t rb = dst.row_bytes();
  if (dst.contiguous()) {
    std::memcpy(d, s, rb * dst.rows);
    return;
  }
  const size_t sb = dtype_row_bytes(dst.dtype, dst.stride);
  for (int64_t r = 0; r < dst.rows; ++r) std::memcpy(d + r * sb, s + r * rb, rb);
}

void copy_from_tensor(const Tensor& src, void* dst) {
  auto* s = host_ptr<const char>(src);
  auto* d = static_cast<char*>(dst);
  const size_t rb = src.row_bytes();
  if (src.contiguous()) {
    std::memcpy(d, s, rb * src.rows);
    return;
  }
  const size_t sb = dtype_row_bytes(src.dtype, src.stride);
  for (int64_t r = 0; r < src.rows; ++r) std::memcpy(d + r * rb, s + r * sb, rb);
}

}  // namespace coil
