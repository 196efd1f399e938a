// Device memory read bandwidth: a kernel streams a large buffer with 16-byte loads (every
// byte read once, nothing written but one word), timed with events; the best of a few runs.
// Reported as bytes read / time (reads only, no write traffic counted), in GB/s (1e9 B/s).
#pragma once
#include <cstddef>

#include "launch.hpp"

namespace coil::cuda {

// `buf` of `bytes` (a multiple of 16, 16-byte aligned) in device memory; `sink` one word.
double measure_read_gbps(const Launch& l, const void* buf, size_t bytes, unsigned* sink, int runs);

}  // namespace coil::cuda
