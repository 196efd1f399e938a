// A conversation on top of a Session: renders the chat template, feeds only what is new
// since the state was last advanced (so a long chat never re-prefills), and generates the
// assistant's reply. Used by `coil chat` and the desktop app's worker.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coil/chat.hpp"
#include "coil/generator.hpp"
#include "coil/session.hpp"
#include "coil/tokenizer.hpp"

namespace coil {

// The ids that end an assistant turn: the folder's eos ids, plus <|im_end|> where the vocabulary
// has it (ChatML), else <|endoftext|> when nothing else is known.
std::vector<int32_t> chat_eos_ids(const ChatConfig& chat, const Tokenizer& tokenizer);

class ChatSession {
 public:
  // `model_dir` supplies the chat template, special tokens and eos ids (ChatConfig).
  ChatSession(const Model& model, const Tokenizer& tokenizer, const ChatConfig& chat);

  // Generates the reply to `messages` (the last one is normally the user's). If the
  // rendered conversation extends what the state already covers, only the difference is
  // prefilled; otherwise the state is reset and everything is prefilled.
  GenerateResult reply(const std::vector<ChatMessage>& messages, GenerateOptions options,
                       const std::function<bool(std::string_view)>& on_text,
                       const std::atomic<bool>* cancel = nullptr);

  // Generates the rest of the last message of `messages`, an assistant answer that was cut
  // off: the prompt is the conversation rendered up to the end of that message's text, with
  // no end-of-turn after it. Throws coil::Error when the template does not show that text.
  GenerateResult continue_reply(const std::vector<ChatMessage>& messages, GenerateOptions options,
                                const std::function<bool(std::string_view)>& on_text,
                                const std::atomic<bool>* cancel = nullptr);
  // The template text continue_reply() starts from.
  std::string continuation_prompt(const std::vector<ChatMessage>& messages) const;

  // Feeds the conversation without generating (e.g. to rebuild a state).
  bool prefill(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
               const std::atomic<bool>* cancel = nullptr);

  // Tokens the last reply()/prefill() had to feed before generating.
  int64_t last_prefill_tokens() const { return last_prefill_tokens_; }

  // The exact template text the recurrent state covers (store it next to a saved state).
  const std::string& covered_text() const { return covered_; }
  // Restores a saved state together with the text it covers.
  void restore(const RecurrentState& state, std::string covered_text);
  void restore(const StateView& state, std::string covered_text);
  void reset();

  Session& session() { return session_; }
  const ChatTemplate& chat_template() const { return template_; }
  const std::vector<int32_t>& eos_ids() const { return eos_ids_; }

 private:
  // Text to feed so that the state covers `rendered`; resets when it does not extend it.
  std::string delta_for(const std::string& rendered);
  GenerateResult reply_to(const std::string& rendered, GenerateOptions options,
                          const std::function<bool(std::string_view)>& on_text,
                          const std::atomic<bool>* cancel);

  Session session_;
  const Tokenizer& tok_;
  ChatTemplate template_;
  std::string bos_, eos_;
  std::vector<int32_t> eos_ids_;
  std::string covered_;
  int64_t last_prefill_tokens_ = 0;
};

}  // namespace coil
