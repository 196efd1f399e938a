// The fixture checkpoints with golden logits (tests/data/models, copied from
// ../shared/fixtures/models): their ids and float64-reference logits.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coil::test {

struct GoldenCase {
  std::string name;  // "short", "long"
  std::vector<int32_t> ids;
  std::vector<float> logits;  // [ids.size(), vocab]
};

// tests/data/models/NAME
std::filesystem::path model_dir(const std::string& name);
std::vector<std::string> fixture_models();  // the shared fixtures + the ones
                                            // tools/make_hf_fixtures.py made with transformers
std::vector<GoldenCase> load_golden(const std::string& model);

// max |a - b| / max |b|
double rel_diff(const float* a, const float* b, size_t n);

}  // namespace coil::test
