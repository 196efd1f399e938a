// run_bench: `coil bench`'s measurements of one model on its backend.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <span>
#include <string>

#include "coil/bench.hpp"
#include "coil/error.hpp"
#include "coil/sampler.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"

namespace coil {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::vector<int32_t> random_prompt(int64_t n, int64_t vocab) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> tok(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> prompt(static_cast<size_t>(n));
  for (auto& t : prompt) t = tok(rng);
  return prompt;
}

// Every shape timed below runs once first, then the session is reset: a full chunk and the
// prompt's last partial one, a decode step, and the resumed turn.
void warm_up(Session& session, std::span<const int32_t> prompt, std::span<const int32_t> turn,
             int64_t chunk, std::vector<float>& logits) {
  const int64_t len = static_cast<int64_t>(prompt.size());
  const int64_t n = len > chunk ? chunk + len % chunk : len;
  session.eval(prompt.first(static_cast<size_t>(n)), logits.data());
  session.decode(argmax(logits), logits.data());
  session.reset();
  session.eval(turn, logits.data());
  session.reset();
}

// gen_len greedy steps from `next`; the windows' tokens/s as they end.
void time_decode(Session& session, const Backend& be, int32_t next, const BenchOptions& o,
                 std::vector<float>& logits, BenchResult& r) {
  r.device_bytes_before_decode = be.allocated_bytes();
  const auto t1 = Clock::now();
  auto tw = t1;
  for (int64_t i = 0; i < o.gen_len; ++i) {
    session.decode(next, logits.data());
    next = argmax(logits);
    if (o.decode_window > 0 && (i + 1) % o.decode_window == 0) {
      r.decode_windows.push_back(double(o.decode_window) * 1000.0 / ms_since(tw));
      if (o.on_window)
        o.on_window(r.decode_windows.size(), i + 1, r.decode_windows.back(), be.allocated_bytes());
      tw = Clock::now();
    }
  }
  r.decode_ms = ms_since(t1);
  r.device_bytes_after_decode = be.allocated_bytes();
  r.decode_tokens_per_s = double(o.gen_len) * 1000.0 / r.decode_ms;
}

// The state to a file and back, then the reopened chat's next turn up to its first token.
void time_state_roundtrip(Session& session, const Model& model, std::span<const int32_t> turn,
                          const BenchOptions& o, std::vector<float>& logits, BenchResult& r) {
  const auto file = o.temp_dir / ("coil-bench-" + std::to_string(::getpid()) + ".coilstate");
  const auto ts = Clock::now();
  write_state_file(file, session.save_state());
  r.state_save_ms = ms_since(ts);
  const auto tl = Clock::now();
  session.restore_state(MappedStateFile(file, model.fingerprint()).view());
  r.state_load_ms = ms_since(tl);
  session.eval(turn, logits.data());
  (void)argmax(logits);
  r.time_to_first_token_after_restore_ms = ms_since(tl);
  r.resume_turn_tokens = static_cast<int64_t>(turn.size());
  r.state_file_bytes = std::filesystem::file_size(file);
  std::filesystem::remove(file);
}

}  // namespace

BenchResult run_bench(const Model& model, const BenchOptions& o) {
  if (o.prompt_len < 1 || o.gen_len < 1)
    throw Error("bench: prompt and generation lengths must be >= 1");
  BenchResult r;
  Backend& be = model.backend();
  r.bandwidth_gb_per_s = o.measure_bandwidth ? be.measure_read_bandwidth_gbps() : 0.0;
  const std::vector<int32_t> prompt = random_prompt(o.prompt_len, model.config().vocab_size);
  const std::span<const int32_t> turn(prompt.data(),
                                      static_cast<size_t>(std::min(o.resume_turn, o.prompt_len)));
  std::vector<float> logits(static_cast<size_t>(model.config().vocab_size));
  Session session(model);
  r.fused_decode = session.fused_decode();
  warm_up(session, prompt, turn, std::max<int64_t>(1, model.chunk_size()), logits);

  const auto t0 = Clock::now();
  session.eval(prompt, logits.data());
  r.prefill_ms = ms_since(t0);
  const int32_t next = argmax(logits);
  r.time_to_first_token_ms = ms_since(t0);

  time_decode(session, be, next, o, logits, r);
  time_state_roundtrip(session, model, turn, o, logits, r);
  r.decode_gb_per_s = double(model.decode_bytes_per_token()) * r.decode_tokens_per_s / 1e9;
  return r;
}

}  // namespace coil
