// coil bench --model DIR|--synthetic NAME [--backend B] [--dtype D] [--prompt-len N
//            --gen-len N] [--json]
// Prefill and decode speed, time to first token, state save/load, peak memory, and the
// memory bandwidth the same backend measures in the same run.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <span>

#include "cli_common.hpp"
#include "coil/bench.hpp"
#include "coil/error.hpp"
#include "coil/quantize.hpp"
#include "coil/sampler.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"

namespace coil::cli {
namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
}  // namespace

void register_bench(CLI::App& app) {
  struct Args {
    ModelArgs model;
    std::string synthetic, dtype = "bf16";
    int64_t prompt_len = 512, gen_len = 128;
    bool json = false, no_bandwidth = false;
    int decode_report_every = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("bench", "Measure prefill/decode speed, state save/load and memory");
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
    Backend& be = model->backend();
    const auto& cfg = model->config();
    const double bandwidth = args->no_bandwidth ? 0.0 : be.measure_read_bandwidth_gbps();

    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> tok(0, static_cast<int32_t>(cfg.vocab_size - 1));
    std::vector<int32_t> prompt(args->prompt_len);
    for (auto& t : prompt) t = tok(rng);
    std::vector<float> logits(cfg.vocab_size);

    Session session(*model);
    const std::span<const int32_t> turn(prompt.data(), std::min<int64_t>(16, args->prompt_len));
    // warm-up: every shape timed below runs once first, then reset: page faults, kernels a
    // GPU loads on first use (per GEMM shape) and GEMM scratch that grows to the largest
    // chunk stay out of the numbers. A full chunk and the prompt's last partial one, a
    // decode step, and the resumed turn.
    {
      const int64_t chunk = std::max<int64_t>(1, model->chunk_size());
      const int64_t n =
          args->prompt_len > chunk ? chunk + args->prompt_len % chunk : args->prompt_len;
      session.eval(std::span<const int32_t>(prompt.data(), n), logits.data());
      session.decode(argmax(logits), logits.data());
      session.reset();
      session.eval(turn, logits.data());
      session.reset();
    }
    const auto t0 = Clock::now();
    session.eval(prompt, logits.data());
    const double prefill_ms = ms_since(t0);
    int32_t next = argmax(logits);
    const double ttft_ms = ms_since(t0);

    std::vector<double> windows;
    const size_t device_bytes_before = be.allocated_bytes();
    const auto t1 = Clock::now();
    auto tw = t1;
    for (int64_t i = 0; i < args->gen_len; ++i) {
      session.decode(next, logits.data());
      next = argmax(logits);
      if (args->decode_report_every > 0 && (i + 1) % args->decode_report_every == 0) {
        windows.push_back(args->decode_report_every * 1000.0 / ms_since(tw));
        // as it happens too (stderr): a long run stopped before its end keeps its windows
        std::cerr << "decode window " << windows.size() << ": tokens " << i + 1 << ", "
                  << windows.back() << " tokens/s, device bytes " << be.allocated_bytes()
                  << std::endl;
        tw = Clock::now();
      }
    }
    const double decode_ms = ms_since(t1);
    const size_t device_bytes_after = be.allocated_bytes();
    const double decode_tps = args->gen_len * 1000.0 / decode_ms;

    const auto tmp = std::filesystem::temp_directory_path() /
                     ("coil-bench-" + std::to_string(::getpid()) + ".coilstate");
    const auto ts = Clock::now();
    const RecurrentState st = session.save_state();
    write_state_file(tmp, st);
    const double save_ms = ms_since(ts);
    const auto tl = Clock::now();
    session.restore_state(MappedStateFile(tmp, model->fingerprint()).view());
    const double load_ms = ms_since(tl);
    // the reopened chat's next turn: a short message on top of the restored state, up to the
    // first token (restore included)
    session.eval(turn, logits.data());
    (void)argmax(logits);
    const double resume_ttft_ms = ms_since(tl);
    const size_t state_file_bytes = std::filesystem::file_size(tmp);
    std::filesystem::remove(tmp);

    const double decode_gbps = model->decode_bytes_per_token() * decode_tps / 1e9;
    nlohmann::json j;
    j["backend"] = be.info().name;
    j["device"] = be.info().device;
    j["model"] = model->name();
    j["dtype"] = dtype_name(model->weight_dtype());
    j["threads"] = be.info().threads;
    j["prompt_len"] = args->prompt_len;
    j["gen_len"] = args->gen_len;
    j["prefill_tokens_per_s"] = args->prompt_len * 1000.0 / prefill_ms;
    j["decode_tokens_per_s"] = decode_tps;
    j["time_to_first_token_ms"] = ttft_ms;
    j["state_save_ms"] = save_ms;
    j["state_load_ms"] = load_ms;
    j["time_to_first_token_after_restore_ms"] = resume_ttft_ms;
    j["resume_turn_tokens"] = turn.size();
    j["decode_path"] = session.fused_decode() ? "fused" : "unfused";
    j["state_bytes"] = state_file_bytes;
    j["peak_rss_bytes"] = peak_rss_bytes();
    if (be.info().name != "cpu" && be.info().name != "cpu-ref")
      j["peak_device_bytes"] = be.peak_allocated_bytes();
    j["weight_bytes"] = model->weight_bytes();
    // device memory held by the backend when the timed decode began and ended (equal: the
    // decode step allocates nothing)
    j["device_bytes_before_decode"] = device_bytes_before;
    j["device_bytes_after_decode"] = device_bytes_after;
    j["decode_bytes_per_token"] = model->decode_bytes_per_token();
    j["decode_gb_per_s"] = decode_gbps;
    j["memory_bandwidth_gb_per_s"] = bandwidth;
    j["decode_bandwidth_fraction"] = bandwidth > 0 ? decode_gbps / bandwidth : 0.0;
    if (!windows.empty()) j["decode_tokens_per_s_windows"] = windows;
    if (!model->fallback_reason().empty()) j["fallback_reason"] = model->fallback_reason();
    if (args->json) {
      std::cout << j.dump() << "\n";
    } else {
      for (auto it = j.begin(); it != j.end(); ++it)
        std::cout << it.key() << ": " << it.value().dump() << "\n";
    }
  });
}

}  // namespace coil::cli
