// The CPU backend (coil_cpu): SIMD kernels for the instruction set this CPU runs (chosen at
// run time, BackendOptions::cpu_isa forces one) on a thread pool; weights stay in the
// memory-mapped files.
#pragma once
#include <memory>

#include "coil/backend.hpp"

namespace coil {

// Throws coil::Error when opts.cpu_isa names an instruction set this CPU lacks.
std::unique_ptr<Backend> create_cpu_backend(const BackendOptions& opts);

}  // namespace coil
