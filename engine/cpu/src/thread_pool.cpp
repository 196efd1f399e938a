#include "thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace coil {
namespace {
// Polling (~1 ms) before sleeping on a futex: decode steps issue hundreds of short
// parallel loops per token, and waking a sleeping worker costs more than the loop.
constexpr int kSpins = 30000;

inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int threads)
    : n_threads_(threads < 1 ? 1 : threads), busy_ns_(n_threads_, 0) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::do_part(int index) {
  auto work = [&] {
    if (!job_dynamic_) {
      const int64_t b = index * job_chunk_;
      const int64_t e = std::min(job_n_, b + job_chunk_);
      if (b < e) job_fn_(job_ctx_, index, b, e);
      return;
    }
    for (;;) {
      const int64_t b = next_chunk_.fetch_add(1, std::memory_order_relaxed) * job_chunk_;
      if (b >= job_n_) return;
      job_fn_(job_ctx_, index, b, std::min(job_n_, b + job_chunk_));
    }
  };
  if (!timing_) {
    work();
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  work();
  busy_ns_[index] =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
}

void ThreadPool::run(int64_t n, int64_t grain, bool dynamic, Trampoline fn, void* ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (timing_) std::fill(busy_ns_.begin(), busy_ns_.end(), 0);
  const int64_t units = (n + grain - 1) / grain;
  const int parts = static_cast<int>(std::min<int64_t>(n_threads_, units));
  if (parts <= 1) {  // one chunk (or one thread): no other thread to wake
    const auto t0 = std::chrono::steady_clock::now();
    fn(ctx, 0, 0, n);
    if (timing_)
      busy_ns_[0] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
    return;
  }
  job_fn_ = fn;
  job_ctx_ = ctx;
  job_n_ = n;
  job_dynamic_ = dynamic;
  job_chunk_ = dynamic ? grain : (units + parts - 1) / parts * grain;
  next_chunk_.store(0, std::memory_order_relaxed);
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  do_part(0);
  // Spin briefly (decode steps are short), then sleep until the last worker is done, so an
  // oversubscribed machine does not lose its cores to spinning.
  for (int spins = 0;; ++spins) {
    const int left = pending_.load(std::memory_order_acquire);
    if (left == 0) break;
    if (spins < kSpins)
      cpu_relax();
    else
      pending_.wait(left, std::memory_order_acquire);
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  while (true) {
    uint64_t g;
    for (int spins = 0; (g = generation_.load(std::memory_order_acquire)) == seen; ++spins) {
      if (spins < kSpins)
        cpu_relax();
      else
        generation_.wait(seen, std::memory_order_acquire);
    }
    seen = g;
    if (stop_.load()) return;
    do_part(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

int physical_cores() {
  std::ifstream f("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, phys = "0";
  while (std::getline(f, line)) {
    if (line.rfind("physical id", 0) == 0) phys = line.substr(line.find(':') + 1);
    if (line.rfind("core id", 0) == 0) cores.insert({phys, line.substr(line.find(':') + 1)});
  }
  int n = static_cast<int>(cores.size());
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}

}  // namespace coil
