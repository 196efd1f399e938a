// The `coil` CLI contract (DESIGN.md): outputs, and on bad input a non-zero exit, one clear
// line on stderr and no output file left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "golden.hpp"
#include "paths.hpp"
#include "run_cli.hpp"

namespace coil {
namespace {

using test::run_cli;
namespace fs = std::filesystem;

std::string ids_arg(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

std::vector<float> read_floats(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

// One line on stderr, non-zero exit.
void expect_clean_failure(const test::CliResult& r, const std::string& must_contain) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, LogitsMatchGoldenAndStateRoundTrips) {
  const auto model = test::model_dir("falcon-tiny-f32").string();
  const auto golden = test::load_golden("falcon-tiny-f32")[0];
  const auto dir = test::temp_dir();
  auto r = run_cli({"logits", "--model", model, "--backend", "cpu", "--ids", ids_arg(golden.ids),
                    "--out", (dir / "all.f32").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto all = read_floats(dir / "all.f32");
  ASSERT_EQ(all.size(), golden.logits.size());
  EXPECT_LT(test::rel_diff(all.data(), golden.logits.data(), all.size()), 1e-4);

  // first half -> state file -> second half reproduces the second half's rows
  const size_t half = golden.ids.size() / 2;
  std::vector<int32_t> a(golden.ids.begin(), golden.ids.begin() + half),
      b(golden.ids.begin() + half, golden.ids.end());
  r = run_cli({"logits", "--model", model, "--backend", "cpu", "--ids", ids_arg(a), "--out",
               (dir / "a.f32").string(), "--state-out", (dir / "s.coilstate").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"logits", "--model", model, "--backend", "cpu", "--ids", ids_arg(b), "--out",
               (dir / "b.f32").string(), "--state-in", (dir / "s.coilstate").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto second = read_floats(dir / "b.f32");
  const size_t V = golden.logits.size() / golden.ids.size();
  ASSERT_EQ(second.size(), b.size() * V);
  EXPECT_LT(test::rel_diff(second.data(), golden.logits.data() + half * V, second.size()), 1e-4);
}

TEST(Cli, MissingModelFolderIsAClearError) {
  const auto out = test::temp_dir() / "x.f32";
  auto r =
      run_cli({"logits", "--model", "/nonexistent/model", "--ids", "1,2", "--out", out.string()});
  expect_clean_failure(r, "/nonexistent/model");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, BadIdsAreAClearError) {
  const auto out = test::temp_dir() / "x.f32";
  const auto model = test::model_dir("falcon-tiny-f32").string();
  auto r = run_cli({"logits", "--model", model, "--ids", "1,x,3", "--out", out.string()});
  expect_clean_failure(r, "'x' is not a token id");
  r = run_cli({"logits", "--model", model, "--ids", "1,99999", "--out", out.string()});
  expect_clean_failure(r, "outside the vocabulary");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, UnwritableOutputLeavesNothingBehind) {
  const auto dir = test::temp_dir();
  const auto out = dir / "missing-dir" / "x.f32";
  auto r = run_cli({"logits", "--model", test::model_dir("falcon-tiny-f32").string(), "--ids",
                    "1,2", "--out", out.string()});
  expect_clean_failure(r, "cannot write");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

TEST(Cli, StateOfAnotherModelIsRefused) {
  const auto dir = test::temp_dir();
  auto r =
      run_cli({"logits", "--model", test::model_dir("falcon-tiny-f32").string(), "--ids", "1,2",
               "--out", (dir / "a.f32").string(), "--state-out", (dir / "s.coilstate").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"logits", "--model", test::model_dir("mamba-tiny-f16").string(), "--ids", "1,2",
               "--out", (dir / "b.f32").string(), "--state-in", (dir / "s.coilstate").string()});
  expect_clean_failure(r, "different model");
  EXPECT_FALSE(fs::exists(dir / "b.f32"));
}

TEST(Cli, UnknownBackendIsRefused) {
  auto r = run_cli({"logits", "--model", test::model_dir("falcon-tiny-f32").string(), "--ids", "1",
                    "--out", (test::temp_dir() / "x").string(), "--backend", "metal"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("metal"), std::string::npos) << r.err;
}

TEST(Cli, BenchReportsEveryField) {
  auto r = run_cli({"bench", "--synthetic", "tiny", "--backend", "cpu", "--prompt-len", "64",
                    "--gen-len", "8", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"backend", "device", "model", "dtype", "threads", "prompt_len", "gen_len",
        "prefill_tokens_per_s", "decode_tokens_per_s", "time_to_first_token_ms", "state_save_ms",
        "state_load_ms", "state_bytes", "peak_rss_bytes", "weight_bytes", "decode_gb_per_s",
        "memory_bandwidth_gb_per_s", "time_to_first_token_after_restore_ms", "decode_path"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["decode_path"], "fused") << "the CPU backend runs the fused decode ops";
  EXPECT_FALSE(j.contains("decode_profile")) << "only with --profile";
  EXPECT_EQ(j["resume_turn_tokens"], 16);
  EXPECT_EQ(j["prompt_len"], 64);
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["memory_bandwidth_gb_per_s"].get<double>(), 0);
  EXPECT_GT(j["state_bytes"].get<double>(), 0);
}

// --profile: every op of the decode step by shape, per token, with each thread's work time.
TEST(Cli, BenchProfileTimesEveryOp) {
  auto r =
      run_cli({"bench", "--synthetic", "tiny", "--backend", "cpu", "--threads", "2", "--prompt-len",
               "16", "--gen-len", "4", "--no-bandwidth", "--profile", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("prefill_profile") && j.contains("decode_profile")) << r.out;
  const auto& d = j["decode_profile"];
  EXPECT_EQ(d["tokens"], 4);
  std::set<std::string> ops;
  double sum = 0;
  for (const auto& o : d["ops"]) {
    ops.insert(o["op"].get<std::string>());
    sum += o["ms_per_token"].get<double>();
    EXPECT_EQ(o["thread_busy_ms_per_token"].size(), 2u) << o.dump();
    for (const auto& b : o["thread_busy_ms_per_token"])  // a thread works within the op's time
      EXPECT_LE(b.get<double>(), o["ms_per_token"].get<double>() * 1.01 + 1e-3) << o.dump();
  }
  // the fused step of the tiny model: in_proj with its norm, conv, x_proj, dt_proj with the
  // scan, out_proj into the residual; the head with the final norm; the embedding
  for (const char* op :
       {"get_rows", "norm_matmul", "conv1d_silu", "matmul", "proj_scan", "matmul_add"})
    EXPECT_TRUE(ops.count(op)) << op;
  EXPECT_NEAR(sum, d["ops_ms_per_token"].get<double>(), 1e-6 + 1e-9 * sum);
  EXPECT_LE(d["ops_ms_per_token"].get<double>(), d["ms_per_token"].get<double>());
  // the calls of one token's step: 2 layers x 5 ops, the head, the embedding
  double calls = 0;
  for (const auto& o : d["ops"]) calls += o["calls_per_token"].get<double>();
  EXPECT_EQ(calls, 2 * 5 + 2);
}

// The long decode run (tools/cuda_device_run.sh `flat`, 100,000 tokens) can be stopped at the
// device's time limit before the JSON is printed: each window is also printed on stderr as it
// ends. The device memory around the timed decode is in the JSON (equal: no allocation).
TEST(Cli, BenchPrintsDecodeWindowsAsTheyEndAndTheDeviceMemoryAroundTheDecode) {
  auto r = run_cli({"bench", "--synthetic", "tiny", "--backend", "cpu", "--prompt-len", "8",
                    "--gen-len", "30", "--decode-report-every", "10", "--no-bandwidth", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["decode_tokens_per_s_windows"].size(), 3u);
  for (int w = 1; w <= 3; ++w)
    EXPECT_NE(r.err.find("decode window " + std::to_string(w) + ": tokens " +
                         std::to_string(10 * w) + ", "),
              std::string::npos)
        << r.err;
  ASSERT_TRUE(j.contains("device_bytes_before_decode"));
  EXPECT_EQ(j["device_bytes_before_decode"], j["device_bytes_after_decode"]);
}

TEST(Cli, BenchRefusesUnknownSyntheticShape) {
  auto r = run_cli({"bench", "--synthetic", "gpt-5", "--json"});
  expect_clean_failure(r, "unknown synthetic model 'gpt-5'");
}

}  // namespace
}  // namespace coil
