// What every kernel launcher needs: the stream, whether kernels may overlap their launch
// with the previous kernel's tail (programmatic dependent launch, Hopper and newer), and the
// SM count that grid sizes are chosen for.
#pragma once
#include <cuda_runtime.h>

namespace coil::cuda {

struct Launch {
  cudaStream_t stream = nullptr;
  bool pdl = false;
  int sm_count = 1;
};

}  // namespace coil::cuda
