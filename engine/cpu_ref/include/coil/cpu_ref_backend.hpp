// The CPU reference backend (coil_cpu_ref): plain scalar loops accumulating in double, one
// thread. Every op of every other backend is compared against it (test_backend_ops, and
// the self-check a GPU backend passes before it gets a model).
#pragma once
#include <memory>

#include "coil/backend.hpp"

namespace coil {

std::unique_ptr<Backend> create_cpu_reference_backend();

}  // namespace coil
