// coil bench --model DIR|--synthetic NAME [--backend B] [--dtype D] [--prompt-len N
//            --gen-len N] [--json]
// Prefill and decode speed, time to first token, state save/load, peak memory, and the
// memory bandwidth the same backend measures in the same run.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli_common.hpp"
#include "coil/bench.hpp"
#include "coil/error.hpp"
#include "coil/huge_pages.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"

namespace coil::cli {
namespace {

struct Args {
  ModelArgs model;
  std::string synthetic, dtype = "bf16";
  int64_t prompt_len = 512, gen_len = 128;
  bool json = false, no_bandwidth = false, profile = false;
  int decode_report_every = 0;
};

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

// The keys of the `coil bench --json` contract (README, "The coil CLI"), and more.
nlohmann::json to_json(const Model& model, const Args& args, const BenchResult& r) {
  const Backend& be = model.backend();
  nlohmann::json j;
  j["backend"] = be.info().name;
  j["device"] = be.info().device;
  j["model"] = model.name();
  j["dtype"] = dtype_name(model.weight_dtype());
  j["threads"] = be.info().threads;
  j["prompt_len"] = args.prompt_len;
  j["gen_len"] = args.gen_len;
  j["prefill_tokens_per_s"] = args.prompt_len * 1000.0 / r.prefill_ms;
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
    j["prefill_profile"] = profile_json(r.prefill_profile, r.prefill_profile_ms, args.prompt_len);
    j["decode_profile"] = profile_json(r.decode_profile, r.decode_profile_ms, args.gen_len);
  }
  if (!model.fallback_reason().empty()) j["fallback_reason"] = model.fallback_reason();
  return j;
}

void print(const nlohmann::json& j, bool as_json) {
  if (as_json) {
    std::cout << j.dump() << "\n";
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    std::cout << it.key() << ": " << it.value().dump() << "\n";
}

}  // namespace

void register_bench(CLI::App& app) {
  auto args = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("bench", "Measure prefill/decode speed, state save/load and memory");
  args->model.add_to(cmd, /*model_required=*/false);
  cmd->add_option("--synthetic", args->synthetic,
                  "Random weights of a published shape: falcon-mamba-7b, mamba-130m, mamba-370m, "
                  "mamba-1.4b, mamba-2.8b, tiny");
  cmd->add_option("--dtype", args->dtype,
                  "Weight dtype of a synthetic model: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, "
                  "q5_1, q4_k, q5_k, q6_k");
  cmd->add_option("--prompt-len", args->prompt_len, "Prompt tokens")->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--gen-len", args->gen_len, "Generated tokens")->check(CLI::Range(2, 1 << 24));
  cmd->add_option("--decode-report-every", args->decode_report_every,
                  "Also report decode tokens/s over each window of this many tokens (and "
                  "print each window on stderr as it ends)");
  cmd->add_flag("--no-bandwidth", args->no_bandwidth, "Skip the memory bandwidth measurement");
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_flag("--profile", args->profile,
                "After the timed runs, prefill and decode once more with per-op timing "
                "(time and bytes of each op by shape, each thread's work time): "
                "prefill_profile and decode_profile (backends that can profile: cpu)");
  cmd->callback([args] {
    if (args->synthetic.empty() == args->model.model.empty())
      throw Error("bench needs exactly one of --model DIR or --synthetic NAME");
    reset_peak_rss();
    std::unique_ptr<Model> model;
    if (!args->synthetic.empty()) {
      model =
          Model::synthetic(args->synthetic, parse_weight_type(args->dtype), args->model.options());
    } else {
      model = open_model(args->model);
    }
    BenchOptions o;
    o.prompt_len = args->prompt_len;
    o.gen_len = args->gen_len;
    o.measure_bandwidth = !args->no_bandwidth;
    o.decode_window = args->decode_report_every;
    o.profile = args->profile;
    // as it happens (stderr): a long run stopped before its end keeps its windows
    o.on_window = [](size_t n, int64_t tokens, double tps, size_t device_bytes) {
      std::cerr << "decode window " << n << ": tokens " << tokens << ", " << tps
                << " tokens/s, device bytes " << device_bytes << std::endl;
    };
    const BenchResult r = run_bench(*model, o);
    print(to_json(*model, *args, r), args->json);
  });
}

}  // namespace coil::cli
