// Generation on a real fixture model (falcon-tiny-f32, vocab 256) with a byte tokenizer:
// max tokens, seeds, end-of-sequence ids, stop strings, streaming and cancellation from
// another thread, and the state covering every sampled token.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "byte_tokenizer.hpp"
#include "coil/generator.hpp"
#include "coil/model.hpp"
#include "golden.hpp"
#include "options.hpp"

namespace coil {
namespace {

class Generate : public ::testing::Test {
 protected:
  void SetUp() override {
    ModelOptions o = test::options();
    o.backend = "cpu";
    model_ = Model::open(test::model_dir("falcon-tiny-f32"), o);
    prompt_ = tok_.encode("Hello, Mamba!", false);
  }
  GenerateResult run(GenerateOptions opt, const std::function<bool(std::string_view)>& cb = {},
                     const std::atomic<bool>* cancel = nullptr) {
    Session s(*model_);
    auto r = generate(s, tok_, prompt_, opt, cb, cancel);
    last_tokens_ = s.n_tokens();
    return r;
  }
  static GenerateOptions greedy(int n) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_tokens = n;
    return o;
  }
  std::unique_ptr<Model> model_;
  test::ByteTokenizer tok_;
  std::vector<int32_t> prompt_;
  int64_t last_tokens_ = 0;
};

TEST_F(Generate, GreedyIsDeterministicAndRespectsMaxTokens) {
  const auto a = run(greedy(40)), b = run(greedy(40));
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.tokens.size(), 40u);
  EXPECT_EQ(a.finish, FinishReason::MaxTokens);
  EXPECT_EQ(a.prompt_tokens, static_cast<int64_t>(prompt_.size()));
  // the state covers the prompt and every sampled token
  EXPECT_EQ(last_tokens_, static_cast<int64_t>(prompt_.size() + 40));
}

TEST_F(Generate, SameSeedSameTextOtherSeedOtherText) {
  GenerateOptions o;
  o.sampling.temperature = 1.0f;
  o.sampling.top_k = 0;
  o.sampling.top_p = 1.0f;
  o.sampling.min_p = 0;
  o.max_tokens = 48;
  o.sampling.seed = 99;
  const auto a = run(o), b = run(o);
  o.sampling.seed = 100;
  const auto c = run(o);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_NE(a.tokens, c.tokens);
  EXPECT_EQ(a.seed, 99u);
}

TEST_F(Generate, StopsAtAnEosIdWithoutEmittingIt) {
  const auto free_run = greedy(20);
  const auto r0 = run(free_run);
  auto o = greedy(20);
  o.eos_ids = {r0.tokens[5]};
  const auto r = run(o);
  EXPECT_EQ(r.finish, FinishReason::Eos);
  EXPECT_EQ(r.eos_id, r0.tokens[5]);
  // everything before the first occurrence of that id, and nothing after
  const auto first =
      std::find(r0.tokens.begin(), r0.tokens.end(), r0.tokens[5]) - r0.tokens.begin();
  EXPECT_EQ(r.tokens, std::vector<int32_t>(r0.tokens.begin(), r0.tokens.begin() + first));
  EXPECT_EQ(last_tokens_, static_cast<int64_t>(prompt_.size() + first + 1));  // eos fed too
}

TEST_F(Generate, StopStringEndsTheTextBeforeIt) {
  auto o = greedy(60);
  const auto r0 = run(o);
  ASSERT_GE(r0.text.size(), 12u);
  const std::string stop = r0.text.substr(8, 3);
  const size_t at = r0.text.find(stop);
  o.stop_strings = {stop};
  std::string streamed;
  const auto r = run(o, [&](std::string_view s) {
    streamed += s;
    return true;
  });
  EXPECT_EQ(r.finish, FinishReason::StopString);
  EXPECT_EQ(r.text, r0.text.substr(0, at));
  EXPECT_EQ(streamed, r.text);  // the held-back prefix of the stop string never leaked out
}

TEST_F(Generate, StreamedPiecesConcatenateToTheText) {
  std::string streamed;
  int pieces = 0;
  const auto r = run(greedy(30), [&](std::string_view s) {
    streamed += s;
    ++pieces;
    return true;
  });
  EXPECT_EQ(streamed, r.text);
  EXPECT_GT(pieces, 1);
}

TEST_F(Generate, CallbackReturningFalseStops) {
  int pieces = 0;
  const auto r = run(greedy(100), [&](std::string_view) { return ++pieces < 3; });
  EXPECT_EQ(r.finish, FinishReason::Cancelled);
  EXPECT_LT(r.tokens.size(), 100u);
}

TEST_F(Generate, CancelFromAnotherThread) {
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable cv;
  bool first_piece = false;
  GenerateResult r;
  std::thread worker([&] {
    r = run(
        greedy(100000),
        [&](std::string_view) {
          std::lock_guard lock(mu);
          first_piece = true;
          cv.notify_all();
          return true;
        },
        &cancel);
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return first_piece; });
  }
  cancel = true;
  worker.join();
  EXPECT_EQ(r.finish, FinishReason::Cancelled);
  EXPECT_LT(r.tokens.size(), 100000u);
}

TEST_F(Generate, CancelDuringPrefillLeavesAPartialState) {
  std::atomic<bool> cancel{true};
  prompt_.assign(1000, 65);
  const auto r = run(greedy(10), {}, &cancel);
  EXPECT_EQ(r.finish, FinishReason::Cancelled);
  EXPECT_TRUE(r.tokens.empty());
  EXPECT_LT(last_tokens_, 1000);
}

}  // namespace
}  // namespace coil
