// The CUDA backend's factory (no CUDA header here: coil_engine includes it from C++).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "coil/backend.hpp"

namespace coil {

// Creates the CUDA backend on GPU `opts.device` (-1: device 0). Throws coil::Error naming
// CUDA and the reason when it cannot run here: no NVIDIA driver, a driver older than this
// build's CUDA runtime, no GPU, no device of that index, no kernels built for the GPU's
// architecture, out of memory.
std::unique_ptr<Backend> create_cuda_backend(const BackendOptions& opts);

// One line per CUDA device ("NVIDIA H100 80GB HBM3 (79.1 GiB, compute 9.0, 132 SMs)").
// Throws coil::Error with the reason when CUDA cannot be used at all.
std::vector<DeviceDescription> describe_cuda_devices();

}  // namespace coil
