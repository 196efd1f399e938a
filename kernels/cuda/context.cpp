#include "context.hpp"

#include "cuda_error.hpp"

namespace coil::cuda {

Context::Context(int device) : device_(device) {
  check(cudaSetDevice(device_), "selecting the GPU");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "creating a stream");
}

Context::~Context() {
  make_current_noexcept();
  (void)cudaStreamSynchronize(stream_);
  (void)cudaStreamDestroy(stream_);
  (void)cudaGetLastError();
}

void Context::make_current() const {
  int current = -1;
  if (cudaGetDevice(&current) != cudaSuccess || current != device_)
    check(cudaSetDevice(device_), "selecting the GPU");
}

}  // namespace coil::cuda

namespace coil::cuda {

void Context::make_current_noexcept() const noexcept {
  int current = -1;
  if (cudaGetDevice(&current) != cudaSuccess || current != device_) (void)cudaSetDevice(device_);
  (void)cudaGetLastError();
}

}  // namespace coil::cuda
