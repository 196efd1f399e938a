// Each denial-of-service class of issue 13 through the real `coil` CLI, in a process limited
// as `prlimit --as=2GiB --stack=1MiB timeout 120 coil ...` would: the hostile file is refused
// with a clear error (asserted here) instead of a crash, an out-of-memory kill or a hang.
// In Release every case fails within a second; the timeout is only a hang guard, and the
// test asserts the error, never the time. Under AddressSanitizer (whose shadow memory needs
// terabytes of address space) the address-space limit is left out and the stack is 8 MiB.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coil/hash.hpp"
#include "coil/state.hpp"
#include "golden.hpp"
#include "paths.hpp"
#include "run_cli.hpp"
#include "safetensors_writer.hpp"
#include "sanitizers.hpp"

namespace coil {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

test::CliLimits limits() {
  test::CliLimits l;
  l.address_space_bytes = test::kAddressSanitizer ? 0 : uint64_t{2} << 30;
  l.stack_bytes = test::kAddressSanitizer ? uint64_t{8} << 20 : uint64_t{1} << 20;
  l.timeout_s = 120;
  return l;
}

// Runs coil under the limits and expects a clean refusal whose message has `part`.
void expect_refusal(const std::vector<std::string>& args, const std::string& part) {
  const test::CliResult r = test::run_cli(args, "", limits());
  EXPECT_NE(r.exit_code, 128 + SIGALRM) << "hung: killed by the hang guard";
  EXPECT_LT(r.exit_code, 128) << "killed by a signal (crash or out of memory)\n" << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.err.rfind("coil: ", 0), 0u) << r.err;
}

// A copy of the tiny Falcon fixture with a byte-level tokenizer.json (ids 0-255).
fs::path tiny_model_folder() {
  const fs::path dir = test::temp_dir() / "model";
  fs::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"})
    fs::copy_file(test::model_dir("falcon-tiny-f32") / f, dir / f);
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = b;
  }
  const json tok = {
      {"model",
       {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}, {"byte_fallback", true}}}};
  test::write_file(dir / "tokenizer.json", tok.dump());
  return dir;
}

fs::path with_template(const std::string& tmpl) {
  const fs::path dir = tiny_model_folder();
  test::write_file(dir / "tokenizer_config.json", json{{"chat_template", tmpl}}.dump());
  return dir;
}

std::vector<std::string> chat(const fs::path& dir) {
  return {"generate", "--model", dir.string(), "--backend", "cpu",
          "--prompt", "hi",      "--chat",     "-n",        "1"};
}

std::vector<std::string> logits(const fs::path& dir) {
  return {"logits",    "--model", dir.string(),
          "--backend", "cpu",     "--ids",
          "1",         "--out",   (dir / "out.f32").string()};
}

TEST(ResourceLimits, ConfigWithAHundredMillionLayers) {
  const fs::path dir = tiny_model_folder();
  json c = json::parse(read_file(dir / "config.json"));
  c["num_hidden_layers"] = 100000000;
  test::write_file(dir / "config.json", c.dump());
  expect_refusal(logits(dir), "num_hidden_layers");
}

TEST(ResourceLimits, DeeplyNestedJson) {
  const std::string deep = std::string(500000, '[') + std::string(500000, ']');
  fs::path dir = tiny_model_folder();
  test::write_file(dir / "config.json", "{\"vocab_size\": " + deep + "}");
  expect_refusal(logits(dir), "nested deeper");
  dir = tiny_model_folder();
  test::write_safetensors(
      dir / "model.safetensors", {},
      "{\"t\": {\"dtype\": \"F32\", \"shape\": " + deep + ", \"data_offsets\": [0, 0]}}");
  expect_refusal(logits(dir), "nested deeper");
  dir = tiny_model_folder();
  test::write_file(dir / "tokenizer.json", "{\"model\": " + deep + "}");
  expect_refusal({"tokenize", "--tokenizer", dir.string(), "--text", "hi"}, "nested deeper");
}

TEST(ResourceLimits, TokenizerVocabIdNearABillion) {
  const fs::path p = test::temp_dir() / "tokenizer.json";
  test::write_file(
      p,
      json{{"model",
            {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 999999999}}}, {"merges", json::array()}}}}
          .dump());
  expect_refusal({"tokenize", "--tokenizer", p.string(), "--text", "ab"}, "invalid id");
}

TEST(ResourceLimits, PathologicalPreTokenizerRegex) {
  const fs::path p = test::temp_dir() / "tokenizer.json";
  test::write_file(
      p,
      json{{"pre_tokenizer",
            {{"type", "Split"}, {"pattern", {{"Regex", "(a|aa)*c"}}}, {"behavior", "Isolated"}}},
           {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"c", 1}}}, {"merges", json::array()}}}}
          .dump());
  expect_refusal({"tokenize", "--tokenizer", p.string(), "--text", std::string(20000, 'a') + "bc"},
                 "too much work");
}

TEST(ResourceLimits, TemplateLoopsOutputAndRecursion) {
  expect_refusal(chat(with_template("{% for a in range(1000000) %}{% for b in range(1000000) %}"
                                    "{% endfor %}{% endfor %}")),
                 "too much work");
  expect_refusal(chat(with_template("{{ (['x' * 10000000] * 1000) | join }}")), "string too long");
  expect_refusal(chat(with_template("{% for i in range(1000000) %}{{ 'x' * 1000 }}{% endfor %}")),
                 "output is too large");
  expect_refusal(chat(with_template("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")),
                 "nests too deeply");
  expect_refusal(chat(with_template("{{ ([[1] * 1000] * 2000) | sum(start=[]) }}")), "too");
}

TEST(ResourceLimits, FiltersThatWereQuadraticNowFinish) {
  // unique compared every item with every other: 300000 items took hours.
  const test::CliResult r = test::run_cli(
      chat(with_template("{{ range(300000) | map('string') | unique | list | length }}")), "",
      limits());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(ResourceLimits, StateFileWithANegativeTokenCount) {
  const fs::path dir = tiny_model_folder();
  const fs::path state = dir / "s.coilstate";
  ASSERT_EQ(test::run_cli({"logits", "--model", dir.string(), "--backend", "cpu", "--ids", "1,2",
                           "--out", (dir / "o.f32").string(), "--state-out", state.string()})
                .exit_code,
            0);
  std::string bytes = read_file(state);
  const uint64_t negative = uint64_t{1} << 63;
  std::memcpy(bytes.data() + 24, &negative, 8);
  const uint64_t sum = hash_bytes(bytes.data(), bytes.size() - 8);
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  test::write_file(state, bytes);
  auto args = logits(dir);
  args.insert(args.end(), {"--state-in", state.string()});
  expect_refusal(args, "negative token count");
}

}  // namespace
}  // namespace coil
