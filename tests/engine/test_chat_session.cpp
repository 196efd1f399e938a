// ChatSession: a conversation feeds only what is new since the state was last advanced,
// and gives exactly the answer a fresh session would give for the whole conversation; a
// restored state continues like the live one; an edited history starts over.
#include <gtest/gtest.h>

#include "byte_tokenizer.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "golden.hpp"
#include "options.hpp"

namespace coil {
namespace {

class ChatSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ModelOptions o = test::options();
    o.backend = "cpu";
    model_ = Model::open(test::model_dir("falcon-tiny-f32"), o);
  }
  static GenerateOptions greedy() {
    GenerateOptions g;
    g.sampling.temperature = 0;
    g.max_tokens = 12;
    return g;
  }
  std::unique_ptr<Model> model_;
  test::ByteTokenizer tok_;
  ChatConfig cfg_;  // no files: ChatML template
};

TEST_F(ChatSessionTest, SecondTurnPrefillsOnlyTheNewText) {
  ChatSession chat(*model_, tok_, cfg_);
  std::vector<ChatMessage> msgs{{"user", "Hi there"}};
  const auto r1 = chat.reply(msgs, greedy(), {});
  const int64_t first = chat.last_prefill_tokens();
  EXPECT_EQ(first, static_cast<int64_t>(chat.chat_template().render(msgs, true).size()));
  msgs.push_back({"assistant", r1.text});
  msgs.push_back({"user", "And then?"});
  const auto r2 = chat.reply(msgs, greedy(), {});
  // max_tokens ended turn 1, so the state covers "...<answer>" and only this is new:
  const std::string delta =
      "<|im_end|>\n<|im_start|>user\nAnd then?<|im_end|>\n<|im_start|>assistant\n";
  const std::string full = chat.chat_template().render(msgs, true);
  EXPECT_EQ(chat.last_prefill_tokens(), static_cast<int64_t>(delta.size()));

  // a fresh session answering the whole conversation gives the same text
  ChatSession fresh(*model_, tok_, cfg_);
  const auto r2b = fresh.reply(msgs, greedy(), {});
  EXPECT_EQ(fresh.last_prefill_tokens(), static_cast<int64_t>(full.size()));
  EXPECT_EQ(r2.text, r2b.text);
  EXPECT_EQ(r2.tokens, r2b.tokens);
}

TEST_F(ChatSessionTest, RestoredStateContinuesLikeTheLiveSession) {
  ChatSession live(*model_, tok_, cfg_);
  std::vector<ChatMessage> msgs{{"user", "Tell me"}};
  const auto r1 = live.reply(msgs, greedy(), {});
  const RecurrentState saved = live.session().save_state();
  const std::string covered = live.covered_text();
  msgs.push_back({"assistant", r1.text});
  msgs.push_back({"user", "More"});
  const auto a = live.reply(msgs, greedy(), {});

  ChatSession resumed(*model_, tok_, cfg_);
  resumed.restore(saved, covered);
  const auto b = resumed.reply(msgs, greedy(), {});
  EXPECT_EQ(resumed.last_prefill_tokens(), live.last_prefill_tokens());
  EXPECT_EQ(a.tokens, b.tokens);
}

TEST_F(ChatSessionTest, EditedHistoryStartsOver) {
  ChatSession chat(*model_, tok_, cfg_);
  std::vector<ChatMessage> msgs{{"user", "First question"}};
  chat.reply(msgs, greedy(), {});
  msgs[0].content = "An edited first question";
  chat.reply(msgs, greedy(), {});
  EXPECT_EQ(chat.last_prefill_tokens(),
            static_cast<int64_t>(chat.chat_template().render(msgs, true).size()));
}

}  // namespace
// A progress callback reads the prompt chunk by chunk: it reports every chunk, ends at the
// total, and the answer is the very one without it (the same chunks, the same numbers).
TEST_F(ChatSessionTest, PrefillProgressChangesNothingButReports) {
  const std::vector<ChatMessage> msgs{{"user", std::string(1500, 'q') + " and?"}};
  ChatSession plain(*model_, tok_, cfg_);
  const auto a = plain.reply(msgs, greedy(), {});
  ChatSession watched(*model_, tok_, cfg_);
  GenerateOptions g = greedy();
  std::vector<std::pair<int64_t, int64_t>> seen;
  g.on_prefill = [&](int64_t done, int64_t total) { seen.emplace_back(done, total); };
  const auto b = watched.reply(msgs, g, {});
  EXPECT_EQ(a.tokens, b.tokens);
  const int64_t total = watched.last_prefill_tokens();
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front(), std::make_pair(int64_t{0}, total));
  EXPECT_EQ(seen.back(), std::make_pair(total, total));
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].first, seen[i - 1].first);
  EXPECT_GE(seen.size(), static_cast<size_t>(total / model_->chunk_size()));
}

// Continuing a cut-off answer: the prompt ends with its text (no end of turn), and the state
// then covers the answer as if it had been generated in one go.
TEST_F(ChatSessionTest, ContinueGoesOnFromTheAnswersText) {
  std::vector<ChatMessage> msgs{{"user", "Tell me"}, {"assistant", "Once upon"}};
  ChatSession chat(*model_, tok_, cfg_);
  const std::string prompt = chat.continuation_prompt(msgs);
  EXPECT_EQ(prompt, "<|im_start|>user\nTell me<|im_end|>\n<|im_start|>assistant\nOnce upon");
  const auto r = chat.continue_reply(msgs, greedy(), {});
  EXPECT_EQ(chat.last_prefill_tokens(), static_cast<int64_t>(prompt.size()));
  EXPECT_FALSE(r.tokens.empty());
  EXPECT_EQ(chat.covered_text().substr(0, prompt.size()), prompt);
  msgs.back() = {"assistant", ""};
  EXPECT_THROW(chat.continuation_prompt(msgs), Error);
  msgs.back() = {"user", "not an answer"};
  EXPECT_THROW(chat.continuation_prompt(msgs), Error);
}

}  // namespace coil
