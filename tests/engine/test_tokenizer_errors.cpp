// Malformed or unsupported tokenizer files are refused with a coil::Error that names the
// file and what is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coil/error.hpp"
#include "coil/tokenizer.hpp"
#include "paths.hpp"

namespace coil {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

fs::path write(const std::string& name, const std::string& content) {
  const fs::path p = test::temp_dir() / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

// A valid minimal tokenizer.json to break in one place.
json valid_json() {
  return {{"version", "1.0"},
          {"added_tokens", json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model",
           {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
}

// Loading `path` throws coil::Error whose message contains every one of `parts`.
void expect_error(const fs::path& path, const std::vector<std::string>& parts) {
  try {
    Tokenizer::load(path);
    ADD_FAILURE() << "loading " << path << " did not throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a coil::Error: " << e.what();
  }
}

void expect_json_error(const json& j, const std::vector<std::string>& parts) {
  const fs::path p = write("tokenizer.json", j.dump());
  auto with_file = parts;
  with_file.push_back(p.string());
  expect_error(p, with_file);
}

TEST(TokenizerErrors, ValidMinimalFileLoads) {
  const auto tok = Tokenizer::load(write("tokenizer.json", valid_json().dump()));
  EXPECT_EQ(tok->encode("abab"), (std::vector<int32_t>{2, 2}));
}

TEST(TokenizerErrors, MissingFileOrFolderContent) {
  const fs::path dir = test::temp_dir();
  expect_error(dir / "tokenizer.json", {(dir / "tokenizer.json").string(), "not found"});
  expect_error(dir / "tokenizer.model", {(dir / "tokenizer.model").string()});
  expect_error(dir, {dir.string(), "no tokenizer.json or tokenizer.model"});
}

TEST(TokenizerErrors, InvalidJson) {
  const fs::path p = write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
  expect_error(p, {p.string(), "invalid JSON"});
  const fs::path q = write("other.json", "[1, 2, 3]");
  expect_error(q, {q.string(), "not a tokenizer.json"});
}

TEST(TokenizerErrors, MissingModelVocabOrMerges) {
  json j = valid_json();
  j.erase("model");
  expect_json_error(j, {"\"model\""});
  j = valid_json();
  j["model"].erase("vocab");
  expect_json_error(j, {"\"vocab\""});
  j = valid_json();
  j["model"].erase("merges");
  expect_json_error(j, {"\"merges\""});
  j = valid_json();
  j["model"]["vocab"] = json::array();
  expect_json_error(j, {"vocab"});
  j = valid_json();
  j["model"]["vocab"]["c"] = "three";
  expect_json_error(j, {"'c'", "invalid id"});
}

TEST(TokenizerErrors, BadMerges) {
  json j = valid_json();
  j["model"]["merges"] = {"a b", "a zz"};
  expect_json_error(j, {"merge #1", "'zz'", "not in the vocab"});
  j = valid_json();
  j["model"]["merges"] = {"b a"};  // "ba" is not in the vocab
  expect_json_error(j, {"merge #0", "'ba'"});
  j = valid_json();
  j["model"]["merges"] = {"ab"};
  expect_json_error(j, {"merge #0", "two tokens"});
  j = valid_json();
  j["model"]["merges"] = {42};
  expect_json_error(j, {"merge #0"});
}

TEST(TokenizerErrors, UnsupportedComponents) {
  json j = valid_json();
  j["model"]["type"] = "Unigram";
  expect_json_error(j, {"model type", "'Unigram'"});
  j = valid_json();
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "_"}};
  expect_json_error(j, {"pre-tokenizer", "'Metaspace'"});
  j = valid_json();
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers", {{{"type", "Digits"}}, {{"type", "CharDelimiterSplit"}}}}};
  expect_json_error(j, {"'CharDelimiterSplit'"});
  j = valid_json();
  j["normalizer"] = {{"type", "BertNormalizer"}};
  expect_json_error(j, {"normalizer", "'BertNormalizer'"});
  j = valid_json();
  j["decoder"] = {{"type", "WordPiece"}};
  expect_json_error(j, {"decoder", "'WordPiece'"});
  j = valid_json();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  expect_json_error(j, {"'Sideways'"});
}

TEST(TokenizerErrors, InvalidRegexAndAddedTokens) {
  json j = valid_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_json_error(j, {"(unclosed"});
  j = valid_json();
  j["added_tokens"] = {{{"id", 5}}};
  expect_json_error(j, {"added_tokens"});
}

TEST(TokenizerErrors, NotASentencePieceModel) {
  const fs::path p = write("tokenizer.model", std::string("\x01\x02garbage\xFF", 11));
  expect_error(p, {p.string(), "SentencePiece"});
}

}  // namespace
}  // namespace coil
