// Host memory buffers shared by the CPU backends: owned (aligned, zeroed) or aliasing
// memory that something else keeps alive (a memory-mapped weight file).
#pragma once
#include <cstddef>
#include <memory>

#include "coil/backend.hpp"

namespace coil {

class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(size_t bytes);  // owned, 64-byte aligned, zeroed
  HostBuffer(const void* data, size_t bytes, std::shared_ptr<const void> keepalive);  // alias
  ~HostBuffer() override;
  size_t size() const override { return size_; }
  char* data() const { return data_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  bool owned_ = false;
  std::shared_ptr<const void> keepalive_;
};

// Pointer to the first element of a tensor whose buffer is a HostBuffer.
template <typename T = float>
inline T* host_ptr(const Tensor& t) {
  return reinterpret_cast<T*>(static_cast<HostBuffer*>(t.buf.get())->data() + t.offset);
}

// Copies between a (possibly strided) host tensor and packed host memory.
void copy_to_tensor(const Tensor& dst, const void* src);
void copy_from_tensor(const Tensor& src, void* dst);

}  // namespace coil
