// The host memory read bandwidth a CPU backend reports (coil bench compares decode to it).
#include "coil/host_bandwidth.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace coil {

namespace {
// Sums 64-bit words with 8 independent accumulators so the loop is limited by memory,
// not by the add latency. The result is returned so the reads cannot be optimised away.
uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t a[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) a[j] += p[i + j];
  uint64_t s = 0;
  for (; i < n; ++i) s += p[i];
  for (uint64_t v : a) s += v;
  return s;
}
}  // namespace

double measure_host_read_bandwidth_gbps(int threads, size_t bytes) {
  if (threads < 1) threads = 1;
  const size_t words = bytes / 8;
  auto* buf = static_cast<uint64_t*>(std::aligned_alloc(64, words * 8));
  if (!buf) return 0;
  // touch every page in parallel (first-touch placement), with distinct values
  {
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([=] {
        const size_t b = words * t / threads, e = words * (t + 1) / threads;
        for (size_t i = b; i < e; ++i) buf[i] = i * 0x9e3779b97f4a7c15ull;
      });
    for (auto& t : ts) t.join();
  }
  double best = 0;
  volatile uint64_t sink = 0;
  for (int pass = 0; pass < 4; ++pass) {
    std::vector<uint64_t> sums(threads);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        const size_t b = words * t / threads, e = words * (t + 1) / threads;
        sums[t] = sum_words(buf + b, e - b);
      });
    for (auto& t : ts) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto v : sums) sink = sink + v;
    best = std::max(best, words * 8 / s / 1e9);
  }
  std::free(buf);
  return best;
}

}  // namespace coil
