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

  // While on, each parallel_for records the nanoseconds each thread spent in fn
  // (busy_ns(t), zero for a thread that got no part), for the backend's profiler.
  void set_timing(bool on) { timing_ = on; }
  int64_t busy_ns(int thread) const { return busy_ns_[thread]; }

  // Calls fn(thread_index, begin, end) on contiguous ranges covering [0, n), split into
  // at most size() parts of multiples of `grain` items.
  template <typename F>
  void parallel_for(int64_t n, int64_t grain, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(
        n, grain, false,
        [](void* ctx, int t, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(t, b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Calls fn(thread_index, begin, end) on contiguous chunks of `chunk` items (the last one
  // shorter) covering [0, n), each thread taking the next chunk when done with its last:
  // a thread that starts late or runs slower (another process on its core) does less,
  // instead of the others waiting for it at the end. A thread's chunks come in increasing
  // order. With one thread, or n within one chunk, one call on the calling thread.
  template <typename F>
  void parallel_chunks(int64_t n, int64_t chunk, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(
        n, chunk, true,
        [](void* ctx, int t, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(t, b, e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  using Trampoline = void (*)(void*, int, int64_t, int64_t);
  void run(int64_t n, int64_t grain, bool dynamic, Trampoline fn, void* ctx);
  void worker(int index);
  void do_part(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  // The current job, published by bumping generation_.
  Trampoline job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  int64_t job_n_ = 0, job_chunk_ = 0;
  bool job_dynamic_ = false;
  alignas(64) std::atomic<int64_t> next_chunk_{0};  // parallel_chunks: the next chunk's index
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  bool timing_ = false;
  std::vector<int64_t> busy_ns_;
};

// Physical cores of this machine (logical CPUs / threads per core), at least 1.
int physical_cores();

}  // namespace coil
