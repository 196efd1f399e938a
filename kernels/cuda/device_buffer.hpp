// Device memory: a Buffer owning one cudaMalloc allocation, and the backend's byte counters.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>

#include "coil/backend.hpp"

namespace coil::cuda {

// Bytes allocated now and at most so far; shared by the backend and its buffers, so a
// buffer that outlives the backend still has somewhere to report its release.
struct MemoryStats {
  std::atomic<size_t> now{0}, peak{0};
  void add(size_t bytes);
  void sub(size_t bytes) { now.fetch_sub(bytes); }
};

class DeviceBuffer final : public Buffer {
 public:
  // Allocates `bytes` (uninitialised) on `device`. Throws coil::Error on out of memory,
  // saying how much was asked for and how much is free.
  DeviceBuffer(int device, size_t bytes, std::shared_ptr<MemoryStats> stats);
  ~DeviceBuffer() override;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  size_t size() const override { return size_; }
  void* data() const { return data_; }
  int device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
  int device_ = 0;
  std::shared_ptr<MemoryStats> stats_;
};

// The device address of a tensor's first element. Throws coil::Error if the tensor does not
// live in CUDA device memory (a tensor of another backend passed by mistake).
void* device_ptr(const Tensor& t);
template <typename T>
T* dptr(const Tensor& t) {
  return static_cast<T*>(device_ptr(t));
}

}  // namespace coil::cuda
