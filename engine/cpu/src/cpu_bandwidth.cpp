#include "cpu_bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "coil/huge_pages.hpp"

namespace coil {

double measure_cpu_read_bandwidth(ThreadPool& pool, const CpuKernels& k) {
  constexpr size_t kBytes = size_t(1) << 30;
  HugePageMemory mem(kBytes);  // the pages the backend's weight copies get
  auto* buf = reinterpret_cast<float*>(mem.data());
  const int threads = pool.size();
  // each thread's part: a multiple of 8 streams x 64 floats
  const int64_t per = static_cast<int64_t>(kBytes / sizeof(float)) / threads / 512 * 512;
  pool.parallel_for(threads, 1, [&](int, int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t)
      for (int64_t i = 0; i < per; ++i) buf[t * per + i] = static_cast<float>(i & 1023);
  });
  std::vector<float> sums(threads);
  auto pass = [&](int streams, bool prefetch) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(threads, 1, [&](int, int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t)
        sums[t] += k.stream_sum(buf + t * per, per, streams, prefetch);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return static_cast<double>(per) * threads * sizeof(float) / s / 1e9;
  };
  pass(8, false);  // warm-up: pages, TLB, clocks
  double best = 0;
  for (int rep = 0; rep < 3; ++rep)
    for (int streams : {1, 2, 4, 8, 16})
      for (bool prefetch : {false, true}) best = std::max(best, pass(streams, prefetch));
  volatile float sink = sums[0];
  (void)sink;
  return best;
}

}  // namespace coil
