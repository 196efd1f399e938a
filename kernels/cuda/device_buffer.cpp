#include "device_buffer.hpp"

#include <cuda_runtime.h>

#include "coil/error.hpp"
#include "cuda_device.hpp"
#include "cuda_error.hpp"

namespace coil::cuda {

void MemoryStats::add(size_t bytes) {
  const size_t v = now.fetch_add(bytes) + bytes;
  size_t p = peak.load();
  while (v > p && !peak.compare_exchange_weak(p, v)) {
  }
}

DeviceBuffer::DeviceBuffer(int device, size_t bytes, std::shared_ptr<MemoryStats> stats)
    : size_(bytes), device_(device), stats_(std::move(stats)) {
  // cudaMalloc(0) returns no pointer; keep every buffer addressable.
  const cudaError_t e = cudaMalloc(&data_, bytes > 0 ? bytes : 256);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    std::string where;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
      where = " (" + format_bytes(free_b) + " free of " + format_bytes(total_b) + ")";
    (void)cudaGetLastError();
    throw_error(e,
                "allocating " + format_bytes(bytes) + " on GPU " + std::to_string(device) + where);
  }
  stats_->add(size_);
}

DeviceBuffer::~DeviceBuffer() {
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess && current != device_) (void)cudaSetDevice(device_);
  (void)cudaFree(data_);
  if (current >= 0 && current != device_) (void)cudaSetDevice(current);
  (void)cudaGetLastError();
  stats_->sub(size_);
}

void* device_ptr(const Tensor& t) {
  auto* b = dynamic_cast<DeviceBuffer*>(t.buf.get());
  if (!b) throw Error("internal: CUDA backend: a tensor that is not in CUDA device memory");
  return static_cast<char*>(b->data()) + t.offset;
}

}  // namespace coil::cuda
