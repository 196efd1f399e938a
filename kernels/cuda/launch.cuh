// Kernel launch through cudaLaunchKernelEx, with programmatic dependent launch when enabled.
//
// With PDL a kernel may be scheduled while the previous one on the stream is still running;
// every kernel of this backend therefore starts with dependency_wait() (griddepcontrol.wait:
// blocks until the previous grid has completed and its writes are visible) before touching
// memory, and then lets the next kernel launch early. Because every kernel waits, the
// ordering is transitive: kernel N+2 waits for N+1, which finished only after N finished.
#pragma once
#include <utility>

#include "cuda_error.hpp"
#include "launch.hpp"

namespace coil::cuda {

// Waits for the previous kernel on the stream (a no-op without PDL or before Hopper).
__device__ __forceinline__ void grid_wait() {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900)
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
// Lets the next kernel on the stream be scheduled now (it will wait in its grid_wait()).
__device__ __forceinline__ void grid_launch_dependents() {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900)
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// First statement of every kernel, executed by every thread before any early return (only
// reads of data no kernel writes, such as weights, may come before it).
__device__ __forceinline__ void dependency_wait() {
  grid_wait();
  grid_launch_dependents();
}

template <typename... Params, typename... Args>
void launch_kernel(const Launch& l, const char* name, void (*kernel)(Params...), dim3 grid,
                   dim3 block, size_t smem, Args&&... args) {
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = l.stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = l.pdl ? 1 : 0;
  const cudaError_t e = cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...);
  if (e != cudaSuccess) throw_error(e, std::string("launching ") + name);
}

inline unsigned blocks_for(long long n, unsigned per_block) {
  return static_cast<unsigned>((n + per_block - 1) / per_block);
}

}  // namespace coil::cuda
