// coil-cpu-membench: what the CPU backend's threads can stream from memory, and what its
// decode GEMV reaches on a model's shapes (docs/PERFORMANCE.md, issue 19). Not a test: a
// measurement, printed one line per case.
//
//   coil-cpu-membench [--mib 1024] [--reps 5] [--threads N] [--isa NAME] [--only stream|gemv|sync]
//
// stream: all threads read a --mib buffer, each its own contiguous part, with the kernels'
//   vector loads (CpuKernels::stream_sum) as 1, 2, 4, 8 or 16 interleaved streams per thread,
//   with and without the GEMV's software prefetch, in 4 KiB and in 2 MiB pages: best and
//   median of --reps passes, GB/s (1e9 bytes/s).
// gemv: the BF16 matmul of one token (the decode GEMV) on the falcon-mamba-7b shapes, split
//   over the threads as the backend splits it, through enough copies of each matrix (at least
//   --mib in all) that every call reads from memory; then the four matrices of a layer in
//   sequence, as a decode step runs them.
// sync: the cost of one parallel section (an empty parallel_for), the decode step's barrier.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "coil/dtype.hpp"
#include "coil/huge_pages.hpp"
#include "cpu_kernels.hpp"
#include "thread_pool.hpp"

namespace {
using namespace coil;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Stats {
  double best = 0, median = 0;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.back(), v[v.size() / 2]};
}

// A buffer in 4 KiB pages (advised MADV_NOHUGEPAGE) or 2 MiB pages.
struct Buffer {
  std::unique_ptr<HugePageMemory> huge;
  char* small = nullptr;
  size_t bytes = 0;
  Buffer(size_t n, bool huge_pages) : bytes(n) {
    if (huge_pages) {
      huge = std::make_unique<HugePageMemory>(n);
    } else {
      void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      madvise(p, n, MADV_NOHUGEPAGE);
      small = static_cast<char*>(p);
    }
  }
  ~Buffer() {
    if (small) munmap(small, bytes);
  }
  char* data() const { return huge ? huge->data() : small; }
};

void run_stream(ThreadPool& pool, const CpuKernels& k, size_t bytes, int reps) {
  const int threads = pool.size();
  const int64_t per = static_cast<int64_t>(bytes / sizeof(float)) / threads / 1024 * 1024;
  std::vector<float> sums(threads);
  for (bool huge : {false, true}) {
    Buffer b(bytes, huge);
    auto* buf = reinterpret_cast<float*>(b.data());
    pool.parallel_for(threads, 1, [&](int, int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t)
        for (int64_t i = 0; i < per; ++i) buf[t * per + i] = static_cast<float>(i & 1023);
    });
    for (int streams : {1, 2, 4, 8, 16})
      for (bool prefetch : {false, true}) {
        std::vector<double> gbps;
        for (int r = 0; r <= reps; ++r) {
          const auto t0 = Clock::now();
          pool.parallel_for(threads, 1, [&](int, int64_t lo, int64_t hi) {
            for (int64_t t = lo; t < hi; ++t)
              sums[t] += k.stream_sum(buf + t * per, per, streams, prefetch);
          });
          const double s = seconds_since(t0);
          if (r > 0) gbps.push_back(static_cast<double>(per) * threads * sizeof(float) / s / 1e9);
        }
        const Stats st = stats(gbps);
        std::printf("stream pages=%s streams=%2d prefetch=%d  best %6.2f  median %6.2f GB/s\n",
                    huge ? "2M" : "4K", streams, prefetch ? 1 : 0, st.best, st.median);
        std::fflush(stdout);
      }
  }
  volatile float sink = sums[0];
  (void)sink;
}

struct Shape {
  const char* name;
  int64_t N, K;
};
// falcon-mamba-7b: H 4096, D 8192, R 256, N (state) 16, V 65024
constexpr Shape kShapes[] = {{"in_proj", 16384, 4096},
                             {"x_proj", 256 + 2 * 16, 8192},
                             {"dt_proj", 8192, 256},
                             {"out_proj", 4096, 8192},
                             {"lm_head", 65024, 4096}};

// One token's y = x W^T over the pool, split as the backend splits a GEMV (whole 8-row tiles).
void gemv(ThreadPool& pool, const CpuKernels& k, std::vector<std::vector<float>>& scratch,
          const float* x, const void* w, int64_t N, int64_t K, float* y) {
  MatMulArgs a{x, K, 1, K, w, DType::BF16, nullptr, y, N};
  pool.parallel_for(N, 8,
                    [&](int t, int64_t b, int64_t e) { k.matmul(a, b, e, scratch[t].data()); });
}

void fill_bf16(char* p, size_t n_values) {
  auto* q = reinterpret_cast<uint16_t*>(p);
  for (size_t i = 0; i < n_values; ++i)
    q[i] = f32_to_bf16(static_cast<float>(int(i % 17) - 8) / 64);
}

void run_gemv(ThreadPool& pool, const CpuKernels& k, size_t min_bytes, int reps) {
  std::vector<std::vector<float>> scratch(pool.size(), std::vector<float>(kScratchFloats));
  std::vector<float> x(8192, 0.5f), y(65024);
  for (const Shape& s : kShapes) {
    const size_t bytes = static_cast<size_t>(s.N * s.K * 2);
    const int copies = static_cast<int>(std::max<size_t>(1, (min_bytes + bytes - 1) / bytes));
    Buffer b(bytes * copies, true);
    fill_bf16(b.data(), bytes * copies / 2);
    std::vector<double> gbps;
    for (int r = 0; r <= reps; ++r)
      for (int c = 0; c < copies; ++c) {
        const auto t0 = Clock::now();
        gemv(pool, k, scratch, x.data(), b.data() + c * bytes, s.N, s.K, y.data());
        const double sec = seconds_since(t0);
        if (r > 0) gbps.push_back(bytes / sec / 1e9);
      }
    const Stats st = stats(gbps);
    std::printf("gemv %-8s N=%5ld K=%4ld %7.1f MB  best %6.2f  median %6.2f GB/s (%d copies)\n",
                s.name, long(s.N), long(s.K), bytes / 1e6, st.best, st.median, copies);
    std::fflush(stdout);
  }
  // a decode step's four matrices per layer in sequence, through enough layers to leave cache
  size_t layer = 0;
  for (int i = 0; i < 4; ++i) layer += static_cast<size_t>(kShapes[i].N * kShapes[i].K * 2);
  const int layers = static_cast<int>(std::max<size_t>(2, (min_bytes + layer - 1) / layer));
  Buffer b(layer * layers, true);
  fill_bf16(b.data(), layer * layers / 2);
  std::vector<double> gbps;
  for (int r = 0; r <= reps; ++r) {
    const auto t0 = Clock::now();
    const char* w = b.data();
    for (int l = 0; l < layers; ++l)
      for (int i = 0; i < 4; ++i) {
        gemv(pool, k, scratch, x.data(), w, kShapes[i].N, kShapes[i].K, y.data());
        w += kShapes[i].N * kShapes[i].K * 2;
      }
    const double sec = seconds_since(t0);
    if (r > 0) gbps.push_back(static_cast<double>(layer) * layers / sec / 1e9);
  }
  const Stats st = stats(gbps);
  std::printf("gemv layers (in, x, dt, out) x %d, %.0f MB  best %6.2f  median %6.2f GB/s\n", layers,
              layer * layers / 1e6, st.best, st.median);
}

void run_sync(ThreadPool& pool) {
  std::vector<double> ns;
  std::vector<int64_t> sink(pool.size());
  for (int r = 0; r < 20; ++r) {
    constexpr int kLoops = 10000;
    const auto t0 = Clock::now();
    for (int i = 0; i < kLoops; ++i)
      pool.parallel_for(pool.size(), 1, [&](int t, int64_t b, int64_t e) { sink[t] += e - b; });
    ns.push_back(seconds_since(t0) / kLoops * 1e9);
  }
  std::sort(ns.begin(), ns.end());
  std::printf("sync empty parallel_for  best %.0f  median %.0f ns\n", ns.front(),
              ns[ns.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 1024;
  int reps = 5, threads = coil::physical_cores();
  std::string isa, only;
  if (argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: coil-cpu-membench [--mib N] [--reps N] [--threads N] [--isa NAME] "
                 "[--only stream|gemv|sync]\n");
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string o = argv[i], v = argv[i + 1];
    if (o == "--mib")
      mib = std::strtoul(v.c_str(), nullptr, 10);
    else if (o == "--reps")
      reps = std::atoi(v.c_str());
    else if (o == "--threads")
      threads = std::atoi(v.c_str());
    else if (o == "--isa")
      isa = v;
    else if (o == "--only")
      only = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", o.c_str());
      return 2;
    }
  }
  if (mib < 16 || reps < 1 || threads < 1) {
    std::fprintf(stderr, "--mib >= 16, --reps >= 1, --threads >= 1\n");
    return 2;
  }
  const coil::CpuKernels& k = coil::cpu_kernels_for(isa);
  coil::ThreadPool pool(threads);
  std::printf("isa %s, %d threads, %zu MiB, best/median of %d\n", k.isa, threads, mib, reps);
  if (only.empty() || only == "sync") run_sync(pool);
  if (only.empty() || only == "stream") run_stream(pool, k, mib << 20, reps);
  if (only.empty() || only == "gemv") run_gemv(pool, k, mib << 20, reps);
  return 0;
}
