// Text generation on a session: prompt prefill, then sampled decode with streaming,
// stop strings, end-of-sequence ids, a token limit and cancellation from another thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "coil/sampler.hpp"
#include "coil/session.hpp"
#include "coil/tokenizer.hpp"

namespace coil {

struct GenerateOptions {
  SamplingParams sampling;
  int max_tokens = 512;
  std::vector<std::string> stop_strings;  // generation ends before any of them (not emitted)
  std::vector<int32_t> eos_ids;           // generation ends at any of them (not emitted)
  // Called after each prefill chunk with the prompt tokens read so far and their total
  // (a long prompt takes seconds to minutes to read: for a progress bar). May be empty.
  std::function<void(int64_t done, int64_t total)> on_prefill;
};

enum class FinishReason { Eos, StopString, MaxTokens, Cancelled };
const char* finish_reason_name(FinishReason r);

struct GenerateResult {
  std::string text;             // what was emitted (stop string excluded)
  std::vector<int32_t> tokens;  // generated ids (eos excluded)
  int32_t eos_id = -1;          // the end-of-sequence id sampled, when finish == Eos
  FinishReason finish = FinishReason::MaxTokens;
  int64_t prompt_tokens = 0;
  double prefill_ms = 0;      // prompt evaluation
  double decode_ms = 0;       // sampling loop after the first token
  double first_token_ms = 0;  // from start to the first emitted token
  uint64_t seed = 0;
};

// Streams text pieces (complete UTF-8) to `on_text`; returning false from it stops.
// `prompt` ids are appended to the session's current state (which may be a restored one).
// `cancel` is checked between tokens and between prefill chunks. On return the session's
// state covers the prompt and every sampled token (an end-of-sequence token included).
GenerateResult generate(Session& session, const Tokenizer& tokenizer,
                        const std::vector<int32_t>& prompt, const GenerateOptions& options,
                        const std::function<bool(std::string_view)>& on_text,
                        const std::atomic<bool>* cancel = nullptr);

}  // namespace coil
