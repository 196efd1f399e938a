// The engine options every test starts from: the defaults with the COIL_* environment
// applied (coil/environment.hpp), read once by the test program's main() (support/main.cpp).
// ctest uses it to run a test again with COIL_CPU_ISA=avx2, COIL_VULKAN_VALIDATION=1...
#pragma once
#include "coil/model.hpp"

namespace coil::test {

const ModelOptions& options();
inline const BackendOptions& backend_options() {
  return options().backend_options;
}

}  // namespace coil::test
