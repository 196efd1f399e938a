// Residual add: a += b over [T, H] views.
#pragma once
#include <cstdint>

#include "launch.hpp"

namespace coil::cuda {

struct AddArgs {
  float* a;
  int64_t a_stride;
  const float* b;
  int64_t b_stride;
  int64_t T, H;
};

void add(const Launch& l, const AddArgs& a);

// The kernel image check at start-up: cudaErrorNoKernelImageForDevice (or
// cudaErrorInvalidDeviceFunction) when this build has no code for the current GPU; on
// success, the PTX/SASS versions of the loaded image (e.g. 90, 90).
cudaError_t probe_kernel_image(int* ptx_version, int* binary_version);

}  // namespace coil::cuda
