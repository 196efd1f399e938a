// The per-backend CUDA state that graphs and buffers may outlive the backend with: the
// device and the one stream every op, copy and graph launch is ordered on.
#pragma once
#include <cuda_runtime.h>

#include "cuda_device.hpp"

namespace coil::cuda {

class Context {
 public:
  explicit Context(int device);  // creates the stream on `device`
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // CUDA's current device is per host thread; the backend may be used from a worker
  // thread other than the one that created it, so every entry point calls this.
  void make_current() const;
  // The same for destructors: never throws.
  void make_current_noexcept() const noexcept;
  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }

 private:
  int device_;
  cudaStream_t stream_ = nullptr;
};

}  // namespace coil::cuda
