// Picks the next token from logits: greedy, or temperature with top-k, top-p, min-p and a
// repetition penalty; seeded, so the same seed gives the same text.
#pragma once
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace coil {

struct SamplingParams {
  float temperature = 0.8f;         // <= 0: greedy (argmax)
  int top_k = 40;                   // <= 0: off
  float top_p = 0.95f;              // >= 1: off
  float min_p = 0.05f;              // <= 0: off; drops tokens with p < min_p * p_max
  float repetition_penalty = 1.1f;  // 1: off; divides positive logits of recent tokens
  int repetition_last_n = 64;       // how many recent tokens the penalty looks at
  uint64_t seed = 0;                // 0: a random seed
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);
  // `logits` [V] is modified in place. `history`: tokens so far (for the penalty).
  int32_t sample(std::span<float> logits, std::span<const int32_t> history);
  uint64_t seed() const { return seed_; }

 private:
  double uniform();  // [0, 1), from the raw generator (portable across standard libraries)

  SamplingParams p_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> cand_;  // reused between calls
};

int32_t argmax(std::span<const float> logits);

}  // namespace coil
