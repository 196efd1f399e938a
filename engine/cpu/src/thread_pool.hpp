// A fixed pool of worker threads for data-parallel loops. parallel_for never allocates
// (the decode step must not), and the calling thread takes part in the work.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

namespace coil {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // total threads including the caller's
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, begin, end) on contiguous ranges covering [0, n), split into
  // at most size() parts of multiples of `grain` items.
  template <typename F>
  void parallel_for(int64_t n, int64_t grain, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(
        n, grain, [](void* ctx, int t, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(t, b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  using Trampoline = void (*)(void*, int, int64_t, int64_t);
  void run(int64_t n, int64_t grain, Trampoline fn, void* ctx);
  void worker(int index);
  void do_part(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  // The current job, published by bumping generation_.
  Trampoline job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  int64_t job_n_ = 0, job_chunk_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

// Physical cores of this machine (logical CPUs / threads per core), at least 1.
int physical_cores();

}  // namespace coil
