// The memory read bandwidth the CPU backend measures for `coil bench`: the ceiling its decode
// is compared against.
#pragma once
#include "cpu_kernels.hpp"
#include "thread_pool.hpp"

namespace coil {

// GB/s (1e9 bytes/s): the best rate at which all of the pool's threads read a 1 GiB buffer
// (2 MiB pages where the kernel grants them, as the weights get), each its own contiguous
// part, with the kernels' vector loads: as 1, 2, 4, 8 and 16 interleaved streams per
// thread, each with and without the GEMV's software prefetch, three passes of each after
// one warm-up pass; the best of those 30 passes (`coil-cpu-membench --only stream` reads the
// same ways in 4 KiB pages too: no faster). 0 when the buffer cannot be allocated.
double measure_cpu_read_bandwidth(ThreadPool& pool, const CpuKernels& k);

}  // namespace coil
