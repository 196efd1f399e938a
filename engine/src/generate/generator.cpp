#include "coil/generator.hpp"

#include <algorithm>
#include <chrono>

#include "coil/error.hpp"

namespace coil {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Eos:
      return "eos";
    case FinishReason::StopString:
      return "stop";
    case FinishReason::MaxTokens:
      return "length";
    case FinishReason::Cancelled:
      return "cancelled";
  }
  return "?";
}

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Length of the longest suffix of `text` that is a proper prefix of some stop string:
// that much text must be held back until we know it does not start a stop string.
size_t held_back(const std::string& text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const auto& s : stops)
    for (size_t n = std::min(s.size() - 1, text.size()); n > hold; --n)
      if (text.compare(text.size() - n, n, s, 0, n) == 0) {
        hold = n;
        break;
      }
  return hold;
}
}  // namespace

GenerateResult generate(Session& session, const Tokenizer& tok, const std::vector<int32_t>& prompt,
                        const GenerateOptions& opt,
                        const std::function<bool(std::string_view)>& on_text,
                        const std::atomic<bool>* cancel) {
  GenerateResult r;
  r.prompt_tokens = static_cast<int64_t>(prompt.size());
  const auto start = Clock::now();
  const int64_t V = session.model().config().vocab_size;
  std::vector<float> logits(V);
  if (prompt.empty()) throw Error("the prompt is empty");
  // With a progress callback the prompt goes in whole chunks (what eval does inside, so the
  // numbers are the same), the callback between them; the last piece gives the logits.
  const int64_t n = static_cast<int64_t>(prompt.size());
  const int64_t piece = std::max<int64_t>(1, session.model().chunk_size());
  int64_t fed = 0;
  bool completed = true;
  if (opt.on_prefill) {
    opt.on_prefill(0, n);
    // the last piece keeps at least 2 tokens: a lone token would take the decode path,
    // not the chunk path eval(prompt) takes, and could round differently
    while (completed && n - fed > piece + 1) {
      completed = session.eval(std::span(prompt).subspan(size_t(fed), size_t(piece)), nullptr,
                               false, cancel);
      if (completed) fed += piece;
      opt.on_prefill(fed, n);
    }
  }
  if (!completed ||
      !session.eval(std::span(prompt).subspan(size_t(fed)), logits.data(), false, cancel)) {
    r.finish = FinishReason::Cancelled;
    r.prefill_ms = ms_since(start);
    return r;
  }
  r.prefill_ms = ms_since(start);
  if (opt.on_prefill) opt.on_prefill(n, n);

  Sampler sampler(opt.sampling);
  r.seed = sampler.seed();
  StreamingDecoder decoder(tok);
  std::vector<int32_t> history(prompt);
  std::string pending;  // decoded text not yet emitted (may start a stop string)
  const auto decode_start = Clock::now();
  bool stopped = false;
  int32_t last_sampled = -1;  // sampled but not yet fed to the session
  auto emit = [&](std::string_view s) {
    if (s.empty()) return;
    if (r.text.empty() && r.first_token_ms == 0) r.first_token_ms = ms_since(start);
    r.text += s;
    if (on_text && !on_text(s)) stopped = true;
  };
  for (int i = 0; i < opt.max_tokens; ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      r.finish = FinishReason::Cancelled;
      break;
    }
    const int32_t id = sampler.sample(logits, history);
    last_sampled = id;
    if (std::find(opt.eos_ids.begin(), opt.eos_ids.end(), id) != opt.eos_ids.end()) {
      r.finish = FinishReason::Eos;
      r.eos_id = id;
      break;
    }
    r.tokens.push_back(id);
    history.push_back(id);
    pending += decoder.push(id);
    // a stop string ends the answer before it
    size_t cut = std::string::npos;
    for (const auto& s : opt.stop_strings)
      if (!s.empty()) cut = std::min(cut, pending.find(s));
    if (cut != std::string::npos) {
      emit(std::string_view(pending).substr(0, cut));
      r.finish = FinishReason::StopString;
      break;
    }
    const size_t hold = held_back(pending, opt.stop_strings);
    emit(std::string_view(pending).substr(0, pending.size() - hold));
    pending.erase(0, pending.size() - hold);
    if (stopped) {
      r.finish = FinishReason::Cancelled;
      break;
    }
    if (i + 1 == opt.max_tokens) break;
    session.decode(id, logits.data());
    last_sampled = -1;
  }
  // The session's state covers the prompt and every sampled token, the final one (or the
  // end-of-sequence token) included, so the conversation can continue from it.
  if (last_sampled >= 0) {
    const int32_t id = last_sampled;
    session.eval(std::span<const int32_t>(&id, 1), nullptr);
  }
  if (r.finish == FinishReason::MaxTokens || r.finish == FinishReason::Eos) {
    pending += decoder.flush();
    emit(pending);
  }
  r.decode_ms = ms_since(decode_start);
  return r;
}

}  // namespace coil
