#include "metrics.hpp"

namespace coil::server {

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{endpoint, status}];
}

namespace {
void metric(std::string& out, const char* name, const char* type, const char* help,
            uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}
}  // namespace

std::string Metrics::prometheus(const Gauges& g) const {
  std::string out =
      "# HELP coil_requests_total HTTP requests answered, by endpoint and status.\n"
      "# TYPE coil_requests_total counter\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : requests_)
      out += "coil_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  metric(out, "coil_prompt_tokens_total", "counter", "Prompt tokens of the requests run.",
         prompt_tokens);
  metric(out, "coil_completion_tokens_total", "counter", "Tokens generated.", completion_tokens);
  metric(out, "coil_prefill_tokens_total", "counter",
         "Prompt tokens prefilled (not restored from the state cache).", prefill_tokens);
  metric(out, "coil_prefill_tokens_saved_total", "counter",
         "Prompt tokens restored from the state cache instead of prefilled (the sum of "
         "cached_tokens).",
         cached_tokens);
  metric(out, "coil_follow_up_prefill_tokens_total", "counter",
         "Tokens prefilled after an answer that tokenizes differently from the tokens sampled, or "
         "was cut by a "
         "stop string, so that the next turn finds its state.",
         follow_up_prefill_tokens);
  metric(out, "coil_state_cache_hits_total", "counter",
         "Requests that resumed from a cached state.", cache_hits);
  metric(out, "coil_state_cache_misses_total", "counter", "Requests that found no cached prefix.",
         cache_misses);
  metric(out, "coil_requests_cancelled_total", "counter",
         "Requests cancelled because their client went away.", cancelled);
  metric(out, "coil_requests_rejected_queue_full_total", "counter",
         "Requests refused because the queue was full.", rejected_queue_full);
  metric(out, "coil_queue_length", "gauge", "Requests waiting for the model.", g.queued);
  metric(out, "coil_requests_running", "gauge", "Requests being generated (0 or 1).", g.running);
  metric(out, "coil_state_cache_ram_entries", "gauge", "States held in memory.",
         g.cache.ram_entries);
  metric(out, "coil_state_cache_ram_bytes", "gauge", "Bytes of the states held in memory.",
         g.cache.ram_bytes);
  metric(out, "coil_state_cache_disk_entries", "gauge", "States in the cache folder.",
         g.cache.disk_entries);
  metric(out, "coil_state_cache_disk_bytes", "gauge", "Bytes of the states in the cache folder.",
         g.cache.disk_bytes);
  metric(out, "coil_state_cache_disk_write_failures_total", "counter",
         "State files that could not be written.", g.cache.disk_write_failures);
  return out;
}

}  // namespace coil::server
