// Measurements: `coil bench`'s whole run (run_bench), its report (bench_report: every
// benchmark's engine numbers under the same names) and the process peak memory (host
// bandwidth: coil/host_bandwidth.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "coil/backend.hpp"

namespace coil {

class Model;

// Peak resident set size of this process so far (VmHWM), in bytes.
size_t peak_rss_bytes();
// Resets the peak-RSS counter where the kernel allows it (Linux /proc/self/clear_refs).
void reset_peak_rss();

struct BenchOptions {
  int64_t prompt_len = 512;  // random token ids, prefilled in the model's chunks
  int64_t gen_len = 128;     // greedy decode steps timed (>= 1)
  bool measure_bandwidth = true;
  int64_t resume_turn = 16;  // tokens of the "reopened chat" turn after the state restore
  // > 0: decode tokens/s over each window of this many tokens, reported to on_window as
  // each ends (window number from 1, tokens so far, tokens/s, device bytes then).
  int64_t decode_window = 0;
  std::function<void(size_t, int64_t, double, size_t)> on_window;
  // After the timed runs, prefill and decode once more with the backend's per-op timing on
  // (Backend::set_profiling; backends that cannot profile leave BenchResult::profiled false).
  bool profile = false;
  // Where the state file of the save/load timing goes (removed afterwards).
  std::filesystem::path temp_dir = std::filesystem::temp_directory_path();
};

struct BenchResult {
  double bandwidth_gb_per_s = 0;  // measured by the model's backend in this run (0: skipped)
  double prefill_ms = 0;
  double time_to_first_token_ms = 0;  // the prefill and the first token's argmax
  double decode_ms = 0;
  double decode_tokens_per_s = 0;
  std::vector<double> decode_windows;  // tokens/s per BenchOptions::decode_window
  size_t device_bytes_before_decode = 0, device_bytes_after_decode = 0;
  double state_save_ms = 0;  // the state to its file (serialised, written, synced)
  double state_load_ms = 0;  // the file mapped, checked and uploaded
  double time_to_first_token_after_restore_ms = 0;  // restore + the resume turn's prefill
  int64_t resume_turn_tokens = 0;
  size_t state_file_bytes = 0;
  bool fused_decode = false;
  double decode_gb_per_s = 0;  // bytes one decode step reads x tokens/s
  // BenchOptions::profile: the profiled prefill (prompt_len tokens) and decode (gen_len
  // steps), their wall times and each op's share (Backend::take_profile).
  bool profiled = false;
  double prefill_profile_ms = 0, decode_profile_ms = 0;
  std::vector<OpProfile> prefill_profile, decode_profile;
};

// Times one run of `model` on its backend: every shape timed is warmed up first (page faults,
// kernels loaded on first use, scratch growth stay out of the numbers), then the prefill of
// a random prompt, `gen_len` greedy decode steps, a state save to a file and its restore,
// and a short turn on the restored state. Throws coil::Error.
BenchResult run_bench(const Model& model, const BenchOptions& options);

// The result as JSON: the keys of `coil bench --json` (README, "The coil CLI"): model,
// backend, speeds, state save/load, memory, the profiles when taken. `coil bench` prints it;
// the app's benchmarks embed it as their engine baseline.
nlohmann::json bench_report(const Model& model, const BenchOptions& options,
                            const BenchResult& result);

}  // namespace coil
