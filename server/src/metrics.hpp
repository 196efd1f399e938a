// The server's counters, and their Prometheus text form (GET /metrics).
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "coil/state_cache.hpp"

namespace coil::server {

class Metrics {
 public:
  void count_request(const std::string& endpoint, int status);

  std::atomic<uint64_t> prompt_tokens{0};      // tokens of the prompts run
  std::atomic<uint64_t> completion_tokens{0};  // tokens generated
  std::atomic<uint64_t> prefill_tokens{0};     // prompt tokens actually prefilled
  std::atomic<uint64_t> cached_tokens{0};      // prompt tokens restored from the cache (saved)
  std::atomic<uint64_t> cache_hits{0}, cache_misses{0};
  std::atomic<uint64_t> follow_up_prefill_tokens{0};  // Scheduler::settle
  std::atomic<uint64_t> cancelled{0};                 // requests whose client went away
  std::atomic<uint64_t> rejected_queue_full{0};

  struct Gauges {
    size_t queued = 0, running = 0;
    StateCacheStats cache;
  };
  std::string prometheus(const Gauges& g) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
};

}  // namespace coil::server
