// Measurements for `coil bench`: process peak memory (host bandwidth: coil/host_bandwidth.hpp).
#pragma once
#include <cstddef>

namespace coil {

// Peak resident set size of this process so far (VmHWM), in bytes.
size_t peak_rss_bytes();
// Resets the peak-RSS counter where the kernel allows it (Linux /proc/self/clear_refs).
void reset_peak_rss();

}  // namespace coil
