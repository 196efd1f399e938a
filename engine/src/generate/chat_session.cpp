#include "coil/chat_session.hpp"

#include <algorithm>
#include <cctype>

#include "coil/error.hpp"

namespace coil {

std::vector<int32_t> chat_eos_ids(const ChatConfig& chat, const Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (int64_t id : chat.eos_token_ids) ids.push_back(static_cast<int32_t>(id));
  // ChatML models end a turn with <|im_end|>: stop there too when the vocabulary has it.
  if (auto im_end = tok.token_to_id("<|im_end|>"))
    if (std::find(ids.begin(), ids.end(), *im_end) == ids.end()) ids.push_back(*im_end);
  if (ids.empty())
    if (auto eot = tok.token_to_id("<|endoftext|>")) ids.push_back(*eot);
  return ids;
}

ChatSession::ChatSession(const Model& model, const Tokenizer& tok, const ChatConfig& chat)
    : session_(model),
      tok_(tok),
      template_(chat.make_template()),
      bos_(chat.bos_token),
      eos_(chat.eos_token),
      eos_ids_(chat_eos_ids(chat, tok)) {}

std::string ChatSession::delta_for(const std::string& rendered) {
  if (session_.n_tokens() > 0 && rendered.compare(0, covered_.size(), covered_) == 0)
    return rendered.substr(covered_.size());
  session_.reset();
  covered_.clear();
  return rendered;
}

bool ChatSession::prefill(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                          const std::atomic<bool>* cancel) {
  const std::string delta =
      delta_for(template_.render(messages, add_generation_prompt, bos_, eos_));
  const auto ids = tok_.encode(delta, /*parse_special=*/true);
  last_prefill_tokens_ = static_cast<int64_t>(ids.size());
  if (ids.empty()) return true;
  if (!session_.eval(ids, nullptr, false, cancel)) {
    // a partial prefill covers tokens we cannot map back to text: start over next time
    session_.reset();
    covered_.clear();
    return false;
  }
  covered_ += delta;
  return true;
}

GenerateResult ChatSession::reply(const std::vector<ChatMessage>& messages, GenerateOptions options,
                                  const std::function<bool(std::string_view)>& on_text,
                                  const std::atomic<bool>* cancel) {
  return reply_to(template_.render(messages, true, bos_, eos_), std::move(options), on_text,
                  cancel);
}

std::string ChatSession::continuation_prompt(const std::vector<ChatMessage>& messages) const {
  if (messages.empty() || messages.back().role != "assistant" || messages.back().content.empty())
    throw Error("nothing to continue: the last message is not a started answer");
  const std::string full = template_.render(messages, false, bos_, eos_);
  // The answer's text as the template wrote it (some trim it); the prompt ends right after.
  std::string text = messages.back().content;
  size_t at = full.rfind(text);
  if (at == std::string::npos) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    at = text.empty() ? std::string::npos : full.rfind(text);
  }
  if (at == std::string::npos)
    throw Error("the answer cannot be continued: the chat template does not show its text");
  return full.substr(0, at + text.size());
}

GenerateResult ChatSession::continue_reply(const std::vector<ChatMessage>& messages,
                                           GenerateOptions options,
                                           const std::function<bool(std::string_view)>& on_text,
                                           const std::atomic<bool>* cancel) {
  return reply_to(continuation_prompt(messages), std::move(options), on_text, cancel);
}

GenerateResult ChatSession::reply_to(const std::string& rendered, GenerateOptions options,
                                     const std::function<bool(std::string_view)>& on_text,
                                     const std::atomic<bool>* cancel) {
  const std::string delta = delta_for(rendered);
  auto ids = tok_.encode(delta, /*parse_special=*/true);
  last_prefill_tokens_ = static_cast<int64_t>(ids.size());
  if (ids.empty()) throw Error("nothing to answer: the conversation is already complete");
  for (int32_t id : eos_ids_)
    if (std::find(options.eos_ids.begin(), options.eos_ids.end(), id) == options.eos_ids.end())
      options.eos_ids.push_back(id);
  const int64_t before = session_.n_tokens();
  GenerateResult r = generate(session_, tok_, ids, options, on_text, cancel);
  if (session_.n_tokens() < before + static_cast<int64_t>(ids.size())) {
    // cancelled inside the prefill: the state covers a prefix we cannot map back to text
    session_.reset();
    covered_.clear();
    return r;
  }
  std::vector<int32_t> fed = r.tokens;
  if (r.eos_id >= 0) fed.push_back(r.eos_id);
  // The state covers the prompt delta and every sampled token; record exactly that text.
  covered_ += delta + tok_.decode(fed, /*skip_special=*/false);
  return r;
}

void ChatSession::restore(const RecurrentState& state, std::string covered_text) {
  restore(StateView::of(state), std::move(covered_text));
}

void ChatSession::restore(const StateView& state, std::string covered_text) {
  session_.restore_state(state);
  covered_ = std::move(covered_text);
}

void ChatSession::reset() {
  session_.reset();
  covered_.clear();
}

}  // namespace coil
