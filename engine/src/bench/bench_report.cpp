// bench_report: a run_bench result as the keys of the `coil bench --json` contract (README,
// "The coil CLI"), and more; the one place that names them.
#include <nlohmann/json.hpp>

#include "coil/bench.hpp"
#include "coil/huge_pages.hpp"
#include "coil/model.hpp"

namespace coil {
namespace {

// Per-op times of a profiled run of `tokens` tokens, per token: each op's wall time, the
// weight bytes it read per second of its wall time, and each thread's work time in it;
// `other_ms` is the run's time outside every op (session, sampling, synchronisation).
nlohmann::json profile_json(const std::vector<OpProfile>& ops, double total_ms, int64_t tokens) {
  nlohmann::json j, list = nlohmann::json::array();
  double in_ops = 0;
  std::vector<double> busy;
  for (const OpProfile& o : ops) {
    nlohmann::json e;
    e["op"] = o.op;
    e["shape"] = o.shape;
    e["calls_per_token"] = double(o.calls) / tokens;
    e["ms_per_token"] = o.wall_ms / tokens;
    e["share"] = total_ms > 0 ? o.wall_ms / total_ms : 0.0;
    if (o.weight_bytes > 0) e["weight_gb_per_s"] = o.weight_bytes / (o.wall_ms * 1e6);
    std::vector<double> b;
    for (size_t t = 0; t < o.thread_busy_ms.size(); ++t) {
      b.push_back(o.thread_busy_ms[t] / tokens);
      if (busy.size() <= t) busy.push_back(0);
      busy[t] += o.thread_busy_ms[t] / tokens;
    }
    e["thread_busy_ms_per_token"] = b;
    in_ops += o.wall_ms;
    list.push_back(e);
  }
  j["tokens"] = tokens;
  j["ms_per_token"] = total_ms / tokens;
  j["ops_ms_per_token"] = in_ops / tokens;
  j["other_ms_per_token"] = (total_ms - in_ops) / tokens;
  j["thread_busy_ms_per_token"] = busy;
  j["ops"] = list;
  return j;
}

}  // namespace

nlohmann::json bench_report(const Model& model, const BenchOptions& options, const BenchResult& r) {
  const Backend& be = model.backend();
  nlohmann::json j;
  j["backend"] = be.info().name;
  j["device"] = be.info().device;
  j["model"] = model.name();
  j["dtype"] = dtype_name(model.weight_dtype());
  j["threads"] = be.info().threads;
  j["prompt_len"] = options.prompt_len;
  j["gen_len"] = options.gen_len;
  j["prefill_tokens_per_s"] = options.prompt_len * 1000.0 / r.prefill_ms;
  j["decode_tokens_per_s"] = r.decode_tokens_per_s;
  j["time_to_first_token_ms"] = r.time_to_first_token_ms;
  j["state_save_ms"] = r.state_save_ms;
  j["state_load_ms"] = r.state_load_ms;
  j["time_to_first_token_after_restore_ms"] = r.time_to_first_token_after_restore_ms;
  j["resume_turn_tokens"] = r.resume_turn_tokens;
  j["decode_path"] = r.fused_decode ? "fused" : "unfused";
  j["state_bytes"] = r.state_file_bytes;
  j["peak_rss_bytes"] = peak_rss_bytes();
  if (be.info().name != "cpu" && be.info().name != "cpu-ref")
    j["peak_device_bytes"] = be.peak_allocated_bytes();
  j["weight_bytes"] = model.weight_bytes();
  if (!be.info().weight_pages.empty()) j["weight_pages"] = be.info().weight_pages;
  // what the kernel gave: this process's anonymous memory in 2 MiB pages after the run
  j["anon_huge_page_bytes"] = anon_huge_page_bytes();
  // device memory held by the backend when the timed decode began and ended (equal: the
  // decode step allocates nothing)
  j["device_bytes_before_decode"] = r.device_bytes_before_decode;
  j["device_bytes_after_decode"] = r.device_bytes_after_decode;
  j["decode_bytes_per_token"] = model.decode_bytes_per_token();
  j["decode_gb_per_s"] = r.decode_gb_per_s;
  j["memory_bandwidth_gb_per_s"] = r.bandwidth_gb_per_s;
  j["decode_bandwidth_fraction"] =
      r.bandwidth_gb_per_s > 0 ? r.decode_gb_per_s / r.bandwidth_gb_per_s : 0.0;
  if (!r.decode_windows.empty()) j["decode_tokens_per_s_windows"] = r.decode_windows;
  if (r.profiled) {
    j["prefill_profile"] =
        profile_json(r.prefill_profile, r.prefill_profile_ms, options.prompt_len);
    j["decode_profile"] = profile_json(r.decode_profile, r.decode_profile_ms, options.gen_len);
  }
  if (!model.fallback_reason().empty()) j["fallback_reason"] = model.fallback_reason();
  return j;
}

}  // namespace coil
