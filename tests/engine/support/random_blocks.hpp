// Blocks of a GGUF block type for tests of the kernels that read them.
#pragma once
#include <cstdint>
#include <vector>

#include "coil/dtype.hpp"

namespace coil::test {

// n blocks of block type t: the even ones quantized from random values (realistic scales),
// the odd ones random bytes (every code, scale and min bit pattern) with each f16 scale
// field replaced by a small finite value.
std::vector<uint8_t> random_blocks(DType t, int64_t n, uint32_t seed);

}  // namespace coil::test
