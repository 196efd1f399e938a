// The CPU backend's per-op profiler (`coil bench --profile`): wall time of every op and the
// time each thread worked in it, summed by op and shape. Off, it costs one branch per op.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "thread_pool.hpp"

namespace coil {

class CpuProfiler {
 public:
  explicit CpuProfiler(ThreadPool& pool) : pool_(pool) {}
  bool on() const { return on_; }
  void set(bool on) {
    on_ = on;
    pool_.set_timing(on);
  }
  // The ops timed since the last call, slowest first.
  std::vector<OpProfile> take();

  // Times one op from construction to destruction; the threads' work times are read from
  // the pool (its last parallel_for) or, for an op run on the calling thread only, equal
  // the wall time (`serial`).
  class Scope {
   public:
    Scope(CpuProfiler& p, const char* op) : p_(p.on_ ? &p : nullptr), op_(op) {
      if (p_) t0_ = std::chrono::steady_clock::now();
    }
    // Shape and bytes, only computed when profiling.
    bool active() const { return p_ != nullptr; }
    void describe(std::string shape, double weight_bytes, bool serial) {
      shape_ = std::move(shape);
      bytes_ = weight_bytes;
      serial_ = serial;
    }
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CpuProfiler* p_;
    const char* op_;
    std::string shape_;
    double bytes_ = 0;
    bool serial_ = false;
    std::chrono::steady_clock::time_point t0_;
  };

 private:
  ThreadPool& pool_;
  bool on_ = false;
  std::map<std::pair<std::string, std::string>, OpProfile> ops_;
};

}  // namespace coil
