// Measurements for `coil bench`: host memory bandwidth and process peak memory.
#pragma once
#include <cstddef>

namespace coil {

// GB/s (1e9 bytes/s) of a streaming read of a buffer much larger than the caches, by
// `threads` threads (best of a few passes).
double measure_host_read_bandwidth_gbps(int threads, size_t bytes = size_t(1) << 30);
// Peak resident set size of this process so far (VmHWM), in bytes.
size_t peak_rss_bytes();
// Resets the peak-RSS counter where the kernel allows it (Linux /proc/self/clear_refs).
void reset_peak_rss();

}  // namespace coil
