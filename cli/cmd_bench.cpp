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
                  "mamba-1.4b, mamba-2.8b, tiny; falcon-mamba-7b-16l: the 7B's dimensions "
                  "with 16 of its 64 layers");
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
    print(bench_report(*model, o, r), args->json);
  });
}

}  // namespace coil::cli
