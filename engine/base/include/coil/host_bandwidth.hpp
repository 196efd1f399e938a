// Host memory bandwidth, measured: what the CPU backends report as their read bandwidth.
#pragma once
#include <cstddef>

namespace coil {

// GB/s (1e9 bytes/s) of a streaming read of a buffer much larger than the caches, by
// `threads` threads (best of a few passes).
double measure_host_read_bandwidth_gbps(int threads, size_t bytes = size_t(1) << 30);

}  // namespace coil
