// The sampler: greedy, temperature, top-k, top-p, min-p, repetition penalty, seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "coil/sampler.hpp"

namespace coil {
namespace {

std::vector<float> logits5() {
  return {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};
}

SamplingParams plain(float temp) {
  SamplingParams p;
  p.temperature = temp;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repetition_penalty = 1.0f;
  p.seed = 7;
  return p;
}

std::map<int, int> histogram(SamplingParams p, int draws) {
  Sampler s(p);
  std::map<int, int> h;
  for (int i = 0; i < draws; ++i) {
    auto l = logits5();
    ++h[s.sample(l, {})];
  }
  return h;
}

TEST(Sampler, GreedyPicksArgmax) {
  Sampler s(plain(0.0f));
  auto l = logits5();
  EXPECT_EQ(s.sample(l, {}), 1);
}

// argmax is what std::max_element gives: the first of equal maxima (+0 and -0 equal), NaN
// skipped unless it comes first, infinities ordered. Greedy decoding must not change with it.
TEST(Sampler, ArgmaxIsTheFirstIndexOfTheLargestValueAsMaxElementGivesIt) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<std::vector<float>> cases = {
      {1.0f},
      {0.5f, 2.0f, 2.0f, -1.0f},
      {-0.0f, 0.0f, -3.0f},
      {-3.0f, 0.0f, -0.0f},
      {1.0f, nan, 3.0f, 2.0f},
      {nan, 1.0f, 5.0f},
      {-inf, -inf},
      {1.0f, inf, 2.0f, inf},
      {-5.0f, -2.0f, -7.0f},
  };
  for (const auto& c : cases)
    EXPECT_EQ(argmax(c), std::max_element(c.begin(), c.end()) - c.begin())
        << ::testing::PrintToString(c);
  std::mt19937 g(3);
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> big(65024);
  for (int rep = 0; rep < 20; ++rep) {
    for (auto& x : big) x = std::round(d(g) * 4) / 4;  // many ties
    EXPECT_EQ(argmax(big), std::max_element(big.begin(), big.end()) - big.begin());
  }
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDifferent) {
  auto run = [](uint64_t seed) {
    SamplingParams p = plain(1.0f);
    p.seed = seed;
    Sampler s(p);
    std::vector<int> out;
    for (int i = 0; i < 64; ++i) {
      auto l = logits5();
      out.push_back(s.sample(l, {}));
    }
    return out;
  };
  EXPECT_EQ(run(123), run(123));
  EXPECT_NE(run(123), run(124));
}

TEST(Sampler, TemperatureOneFollowsSoftmax) {
  const auto h = histogram(plain(1.0f), 20000);
  // softmax(1, 3, 2, 0.5, 2.9): p1 = 0.402, p4 = 0.363, p2 = 0.148, p0 = 0.054, p3 = 0.033
  EXPECT_NEAR(h.at(1) / 20000.0, 0.402, 0.015);
  EXPECT_NEAR(h.at(4) / 20000.0, 0.363, 0.015);
  EXPECT_NEAR(h.at(2) / 20000.0, 0.148, 0.01);
  EXPECT_NEAR(h.at(3) / 20000.0, 0.033, 0.006);
}

TEST(Sampler, TopKKeepsOnlyKBest) {
  auto p = plain(1.0f);
  p.top_k = 2;
  const auto h = histogram(p, 2000);
  EXPECT_EQ(std::set<int>({1, 4}), [&] {
    std::set<int> k;
    for (auto& [id, n] : h) k.insert(id);
    return k;
  }());
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  auto p = plain(1.0f);
  p.top_p = 0.6f;  // 0.402 + 0.363 >= 0.6 -> {1, 4}
  const auto h = histogram(p, 2000);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.count(1) && h.count(4));
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  auto p = plain(1.0f);
  p.min_p = 0.3f;  // cut at 0.3 * 0.402 = 0.12: keeps 1 (0.402), 4 (0.363), 2 (0.148)
  const auto h = histogram(p, 4000);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_FALSE(h.count(0) || h.count(3));
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
  auto p = plain(0.0f);
  p.repetition_penalty = 2.0f;
  Sampler s(p);
  auto l = logits5();
  const std::vector<int32_t> history{1};
  EXPECT_EQ(s.sample(l, history), 4);  // 3.0 / 2 = 1.5 < 2.9
  EXPECT_FLOAT_EQ(l[1], 1.5f);
}

TEST(Sampler, NegativeLogitsArePenalisedByMultiplying) {
  auto p = plain(0.0f);
  p.repetition_penalty = 2.0f;
  Sampler s(p);
  std::vector<float> l{-1.0f, -0.4f, -0.5f};
  const std::vector<int32_t> history{1};
  EXPECT_EQ(s.sample(l, history), 2);
  EXPECT_FLOAT_EQ(l[1], -0.8f);
}

}  // namespace
}  // namespace coil
