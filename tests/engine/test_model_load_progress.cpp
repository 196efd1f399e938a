// Model loading reports its progress (never decreasing, ending at exactly 1.0, a bounded
// number of calls) and can be cancelled between tensors: a cancelled load throws
// LoadCancelled, calls back no more, and releases everything it had taken (the weight
// file's mapping and the memory of the weights built or uploaded so far).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "coil/huge_pages.hpp"
#include "coil/model.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "sanitizers.hpp"

namespace coil {
namespace {

struct Call {
  double fraction;
  std::string stage;
};

ModelOptions cpu_options() {
  ModelOptions o = test::options();
  o.backend = "cpu";
  o.backend_options.threads = 2;
  return o;
}

// Whether the process has `path` memory-mapped right now.
bool is_mapped(const std::filesystem::path& path) {
  std::ifstream maps("/proc/self/maps");
  const std::string wanted = std::filesystem::canonical(path).string();
  std::string line;
  while (std::getline(maps, line))
    if (line.find(wanted) != std::string::npos) return true;
  return false;
}

const std::filesystem::path kFixture = test::model_dir("falcon-tiny-f32");

std::vector<Call> load_and_record(const ModelOptions& base) {
  std::vector<Call> calls;
  ModelOptions o = base;
  o.progress = [&](double f, const std::string& s) { calls.push_back({f, s}); };
  auto m = Model::open(kFixture, o);
  EXPECT_NE(m, nullptr);
  return calls;
}

TEST(LoadProgress, IsMonotonicAndEndsAtExactlyOne) {
  const std::vector<Call> calls = load_and_record(cpu_options());
  ASSERT_GE(calls.size(), 5u);
  std::set<double> distinct;
  std::set<std::string> stages;
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_GE(calls[i].fraction, 0.0);
    EXPECT_LE(calls[i].fraction, 1.0);
    if (i > 0) {
      EXPECT_GE(calls[i].fraction, calls[i - 1].fraction) << "call " << i;
    }
    EXPECT_FALSE(calls[i].stage.empty());
    distinct.insert(calls[i].fraction);
    stages.insert(calls[i].stage);
  }
  EXPECT_GE(distinct.size(), 5u);  // the bar moves in several steps, not 0 then 1
  EXPECT_EQ(calls.back().fraction, 1.0);
  EXPECT_LT(calls[calls.size() - 2].fraction, 1.0);  // 1.0 once, at the end
  EXPECT_TRUE(stages.count("Checking the weights"));
  EXPECT_TRUE(stages.count("Uploading the weights to cpu"));
}

TEST(LoadProgress, SyntheticModelsReportToo) {
  std::vector<double> fractions;
  ModelOptions o = cpu_options();
  o.progress = [&](double f, const std::string&) { fractions.push_back(f); };
  auto m = Model::synthetic("tiny", DType::F32, o);
  ASSERT_FALSE(fractions.empty());
  EXPECT_EQ(fractions.back(), 1.0);
}

TEST(LoadProgress, IsRateLimited) {
  // 24 layers x 10 tensors, fingerprinted then uploaded: ~500 steps, reported in <= ~200.
  int calls = 0;
  ModelOptions o = cpu_options();
  o.progress = [&](double, const std::string&) { ++calls; };
  auto m = Model::synthetic("mamba-130m", DType::BF16, o);
  EXPECT_GT(calls, 20);
  EXPECT_LE(calls, 205);
}

TEST(LoadCancel, AtEveryCallThrowsAndStopsReporting) {
  const size_t n = load_and_record(cpu_options()).size();
  ASSERT_GE(n, 5u);
  for (size_t k : {size_t(1), size_t(2), n / 2, n - 1, n}) {
    std::atomic<bool> cancel{false};
    size_t calls = 0;
    bool mapped_during_load = false;
    ModelOptions o = cpu_options();
    o.cancel = &cancel;
    o.progress = [&](double, const std::string&) {
      if (++calls != k) return;
      mapped_during_load = is_mapped(kFixture / "model.safetensors");
      cancel = true;
    };
    std::unique_ptr<Model> m;
    try {
      m = Model::open(kFixture, o);
      ADD_FAILURE() << "cancelling at call " << k << " of " << n << " did not throw";
    } catch (const LoadCancelled& e) {
      EXPECT_STREQ(e.what(), "loading cancelled");
    }
    EXPECT_EQ(m, nullptr);
    EXPECT_EQ(calls, k) << "progress was reported after the cancel";
    EXPECT_TRUE(mapped_during_load) << "k " << k;  // so that the next check can fail
    EXPECT_FALSE(is_mapped(kFixture / "model.safetensors")) << "k " << k;
  }
}

TEST(LoadCancel, IsACoilErrorWithAClearMessage) {
  std::atomic<bool> cancel{true};  // cancelled before it starts
  ModelOptions o = cpu_options();
  o.cancel = &cancel;
  try {
    Model::open(kFixture, o);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(dynamic_cast<const LoadCancelled*>(&e), nullptr);
    EXPECT_STREQ(e.what(), "loading cancelled");
  }
}

TEST(LoadCancel, ReleasesTheMemoryOfAPartialLoad) {
  // A synthetic model builds its weights in host memory (~260 MB here: its large tensors
  // in 2 MiB-page mappings, the rest on the heap) and the CPU backend allocates the widened
  // vectors: all of it must be gone after a cancel mid-upload.
  const auto in_use = [] { return test::heap_in_use() + huge_page_memory_in_use(); };
  { auto warm = Model::synthetic("mamba-130m", DType::BF16, cpu_options()); }
  const size_t before = in_use();
  std::atomic<bool> cancel{false};
  size_t peak = 0;
  std::string stage_at_cancel;
  ModelOptions o = cpu_options();
  o.cancel = &cancel;
  o.progress = [&](double f, const std::string& stage) {
    if (f < 0.6 || cancel) return;  // well into the upload
    peak = in_use();
    stage_at_cancel = stage;
    cancel = true;
  };
  EXPECT_THROW(Model::synthetic("mamba-130m", DType::BF16, o), LoadCancelled);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(stage_at_cancel, "Uploading the weights to cpu");
  EXPECT_GT(peak, before + (200u << 20)) << "the partial load held less than expected";
  const size_t after = in_use();
  EXPECT_LT(after, before + (1u << 20)) << "a cancelled load kept " << (after - before) << " bytes";
}

TEST(LoadCancel, TheNextLoadWorks) {
  std::atomic<bool> cancel{true};
  ModelOptions o = cpu_options();
  o.cancel = &cancel;
  EXPECT_THROW(Model::open(kFixture, o), LoadCancelled);
  cancel = false;
  auto m = Model::open(kFixture, o);
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->fingerprint(), 0u);
}

}  // namespace
}  // namespace coil
