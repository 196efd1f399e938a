// Measurements: `coil bench`'s whole run (run_bench) and the process peak memory (host
// bandwidth: coil/host_bandwidth.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

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
};

// Times one run of `model` on its backend: every shape timed is warmed up first (page faults,
// kernels loaded on first use, scratch growth stay out of the numbers), then the prefill of
// a random prompt, `gen_len` greedy decode steps, a state save to a file and its restore,
// and a short turn on the restored state. Throws coil::Error.
BenchResult run_bench(const Model& model, const BenchOptions& options);

}  // namespace coil
