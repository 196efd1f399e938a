// Hostile model files (issue 13): one test per class of attack on the loaders. Each input is
// small and would once crash, hang or exhaust Coil; now it is refused with a coil::Error that
// names the file and says what was too large, too deep or malformed. (Chat templates:
// test_hostile_templates.cpp. The same inputs under memory and stack limits:
// test_resource_limits.cpp.)
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "coil/chat.hpp"
#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"
#include "coil/safetensors.hpp"
#include "coil/state.hpp"
#include "coil/tokenizer.hpp"
#include "coil/utf8.hpp"
#include "coil/weights.hpp"
#include "paths.hpp"
#include "safetensors_writer.hpp"

namespace coil {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

// The coil::Error that `fn` throws (a failure if it throws nothing or something else).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(printable_utf8(e.what()), e.what()) << "not printable UTF-8";
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a coil::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error";
  return {};
}

std::string deep_array(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

json tiny_config() {
  return {{"architectures", {"FalconMambaForCausalLM"}},
          {"model_type", "falcon_mamba"},
          {"vocab_size", 8},
          {"hidden_size", 4},
          {"intermediate_size", 8},
          {"state_size", 2},
          {"num_hidden_layers", 1},
          {"conv_kernel", 2},
          {"time_step_rank", 1}};
}

// ---- Error messages: always printable UTF-8 (class 6) -------------------------------------

TEST(HostileErrors, MessagesAreMadeValidUtf8) {
  EXPECT_EQ(printable_utf8("ok \xC3\xA9 \xE2\x82\xAC\n\ttab"), "ok \xC3\xA9 \xE2\x82\xAC\n\ttab");
  EXPECT_EQ(printable_utf8("bad \xFF\xC3 x \xED\xA0\x80"), "bad \\xFF\\xC3 x \\xED\\xA0\\x80");
  EXPECT_EQ(printable_utf8(std::string("nul \0 esc \x1b[31m", 15)), "nul \\x00 esc \\x1B[31m");
  EXPECT_EQ(printable_utf8("trunc \xF0\x9F\x99"), "trunc \\xF0\\x9F\\x99");
  const Error e("file \xFE\xFF: bad");
  EXPECT_STREQ(e.what(), "file \\xFE\\xFF: bad");
}

// One validator (coil/utf8.hpp): an Error's message keeps exactly the sequences that lossy
// decoding keeps, for every 2-byte string and every 3- and 4-byte string after a multi-byte
// lead (control characters, which messages escape, left out).
TEST(HostileErrors, MessagesAndLossyDecodingAgreeOnValidUtf8) {
  const auto agree = [](const std::string& s) {
    return (printable_utf8(s) == s) == (utf8_lossy(s) == s);
  };
  const auto printable = [](int b) { return b >= 0x20 && b != 0x7F; };
  int checked = 0;
  for (int a = 0; a < 256; ++a) {
    if (!printable(a)) continue;
    for (int b = 0; b < 256; ++b) {
      if (!printable(b)) continue;
      const std::string two{char(a), char(b)};
      ASSERT_TRUE(agree(two)) << std::hex << a << " " << b;
      ++checked;
      if (a < 0xC0) continue;
      for (int c : {0x7E, 0x80, 0x9F, 0xA0, 0xBF, 0xC0}) {
        ASSERT_TRUE(agree(two + char(c))) << std::hex << a << " " << b << " " << c;
        for (int d : {0x80, 0xC3})
          ASSERT_TRUE(agree(two + char(c) + char(d))) << std::hex << a << " " << b << " " << c;
      }
    }
  }
  EXPECT_GT(checked, 40000);
  EXPECT_EQ(utf8_valid_len("\xF0\x9F\x99\x82", 0), 4u);
  EXPECT_EQ(utf8_valid_len("\xF0\x9F\x99", 0), 0u);  // truncated
  EXPECT_EQ(utf8_valid_len("\xE0\x80\x80", 0), 0u);  // overlong
  EXPECT_EQ(utf8_valid_len("a\xC3\xA9", 1), 2u);
}

TEST(HostileErrors, JsonParseErrorsQuoteNoRawBytes) {
  // nlohmann quotes what it last read: raw invalid UTF-8 from the file.
  const fs::path p = test::temp_dir() / "config.json";
  test::write_file(p, "{\"vocab_size\": \"\xFF\xFE\"}");
  const std::string msg = error_of([&] { ModelConfig::load(p); });
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "\\xFF");
}

// ---- The error boundary: third-party exceptions become coil::Error (class 5) --------------

TEST(HostileErrors, ThirdPartyExceptionsAreTranslated) {
  EXPECT_HAS(error_of([] { guard("a.json", [] { return json::parse("[1,"); }); }),
             "a.json: invalid JSON");
  EXPECT_HAS(error_of([] { guard("b.txt", [] { return std::stoll("99999999999999999999"); }); }),
             "b.txt");
  EXPECT_HAS(error_of([] {
               guard("c.bin", [] { return std::vector<int>(std::numeric_limits<size_t>::max()); });
             }),
             "c.bin");
  EXPECT_HAS(error_of([] { guard("d", [] { throw Error("mine"); }); }), "mine");
}

TEST(HostileErrors, NumberOutOfRangeIsACoilError) {
  // 1e400 is out_of_range in nlohmann (not a parse_error): it once escaped the API.
  const fs::path dir = test::temp_dir();
  json c = tiny_config();
  std::string text = c.dump();
  text.insert(text.size() - 1, ", \"layer_norm_epsilon\": 1e400");
  test::write_file(dir / "config.json", text);
  EXPECT_HAS(error_of([&] { ModelConfig::load(dir / "config.json"); }), "config.json");
  test::write_file(dir / "generation_config.json", "{\"temperature\": -1e400}");
  EXPECT_HAS(error_of([&] { ChatConfig::load(dir); }), "generation_config.json");
}

// ---- JSON nesting (class 3) ---------------------------------------------------------------

TEST(HostileJson, DepthIsCheckedBeforeParsing) {
  EXPECT_FALSE(json_too_deep("{\"a\": [[1], {\"b\": \"[[[[[[[[\"}]}", 4));
  EXPECT_EQ(json_too_deep("[[[1]]]", 2), 2u);
  EXPECT_FALSE(json_too_deep("\"\\\"[[[[\"", 1));  // an escaped quote does not end the string
  EXPECT_FALSE(json_too_deep(deep_array(limits::kJsonDepth)));
  EXPECT_TRUE(json_too_deep(deep_array(limits::kJsonDepth + 1)));
  const std::string msg = error_of([] { parse_json(deep_array(200000), "x.json"); });
  EXPECT_HAS(msg, "x.json");
  EXPECT_HAS(msg, "nested deeper than");
}

TEST(HostileJson, DeepConfigGenerationConfigAndTokenizerAreRefused) {
  const fs::path dir = test::temp_dir();
  const std::string deep = "{\"vocab_size\": " + deep_array(300000) + "}";
  test::write_file(dir / "config.json", deep);
  EXPECT_HAS(error_of([&] { ModelConfig::load(dir / "config.json"); }), "nested deeper");
  test::write_file(dir / "generation_config.json", deep);
  EXPECT_HAS(error_of([&] { ChatConfig::load(dir); }), "generation_config.json: JSON nested");
  test::write_file(dir / "tokenizer.json", deep);
  EXPECT_HAS(error_of([&] { Tokenizer::load(dir / "tokenizer.json"); }), "tokenizer.json");
}

TEST(HostileJson, DeepSafetensorsShapeIsRefused) {
  const fs::path p = test::temp_dir() / "deep.safetensors";
  test::write_safetensors(p, {},
                          "{\"t\": {\"dtype\": \"F32\", \"shape\": " + deep_array(100000) +
                              ", \"data_offsets\": [0, 0]}}");
  const std::string msg = error_of([&] { SafetensorsFile f(p); });
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "nested deeper");
}

TEST(HostileJson, OversizedJsonFileIsRefusedBeforeReading) {
  const fs::path dir = test::temp_dir();
  const fs::path p = dir / "config.json";
  test::write_file(p, "{}");
  fs::resize_file(p, limits::kJsonFileBytes + 1);  // sparse: nothing is written
  const std::string msg = error_of([&] { ModelConfig::load(p); });
  EXPECT_HAS(msg, "too large");
  EXPECT_HAS(msg, p.string());
}

// ---- Config arithmetic and sizes before allocation (classes 2 and 4) ---------------------

TEST(HostileConfig, DimensionsBeyondTheLimitsAreRefusedBeforeAnyAllocation) {
  for (const char* field : {"num_hidden_layers", "hidden_size", "vocab_size", "state_size",
                            "conv_kernel", "intermediate_size", "time_step_rank"}) {
    json c = tiny_config();
    c[field] = 100000000;  // 1e8 layers once allocated gigabytes before any tensor was checked
    const std::string msg = error_of([&] { ModelConfig::parse(c, "/m/config.json"); });
    EXPECT_HAS(msg, "/m/config.json");
    EXPECT_HAS(msg, field);
  }
}

TEST(HostileConfig, ExpandTimesHiddenCannotWrapToZero) {
  json c = tiny_config();
  c.erase("intermediate_size");
  c["hidden_size"] = limits::kHidden;
  c["expand"] = int64_t{1} << 44;  // expand * hidden == 2^64: it once wrapped to 0 and loaded
  EXPECT_HAS(error_of([&] { ModelConfig::parse(c, "/m/config.json"); }), "'expand'");
  c["expand"] = limits::kInner;
  EXPECT_HAS(error_of([&] { ModelConfig::parse(c, "/m/config.json"); }), "intermediate_size");
  c["intermediate_size"] = 0;
  EXPECT_HAS(error_of([&] { ModelConfig::parse(c, "/m/config.json"); }), "positive");
}

TEST(HostileConfig, HugeLayerCountWithTinyWeightsIsRefusedByTheLimit) {
  const fs::path dir = test::temp_dir();
  const ModelConfig good = ModelConfig::parse(tiny_config(), "c");
  json c = tiny_config();
  c["num_hidden_layers"] = limits::kLayers;  // allowed, but the file holds one layer
  test::write_model(dir, c, test::model_tensors(good));
  EXPECT_HAS(error_of([&] { ModelFiles::open(dir); }), "missing tensor backbone.layers.1.");
}

// ---- Safetensors: numel overflow, alignment (class 7) --------------------------------------

TEST(HostileSafetensors, ShapeWhoseProductOverflowsIsRefused) {
  EXPECT_FALSE(checked_numel(std::vector<int64_t>{3, int64_t{1} << 62, 0}));
  EXPECT_EQ(checked_numel(std::vector<int64_t>{3, 4, 0}), 0);
  EXPECT_EQ(checked_numel(std::vector<int64_t>{}), 1);
  const fs::path p = test::temp_dir() / "numel.safetensors";
  test::write_safetensors(p, {}, R"({"t": {"dtype": "F32", "shape": [3, 4611686018427387904, 0],
                                  "data_offsets": [0, 0]}})");
  EXPECT_HAS(error_of([&] { SafetensorsFile f(p); }), "impossibly large");
}

TEST(HostileSafetensors, MisalignedTensorsAreCopiedToAlignedMemory) {
  const fs::path p = test::temp_dir() / "misaligned.safetensors";
  // A 9-byte header puts the data section at offset 17: every F32 tensor is misaligned.
  const std::string header = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string bytes(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  const float values[2] = {1.5f, -2.25f};
  bytes += header + std::string(reinterpret_cast<const char*>(values), 8);
  ASSERT_NE((8 + header.size()) % 4, 0u);
  test::write_file(p, bytes);
  const SafetensorsFile f(p);
  const TensorView& t = f.tensors().at("t");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % alignof(float), 0u);
  EXPECT_EQ(static_cast<const float*>(t.data)[0], 1.5f);
  EXPECT_EQ(static_cast<const float*>(t.data)[1], -2.25f);
}

// ---- Tokenizers (classes 4, 5) -------------------------------------------------------------

json tokenizer_with_vocab(json vocab, json added = json::array()) {
  return {{"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
}

TEST(HostileTokenizer, VocabIdNearABillionIsRefused) {
  const fs::path p = test::temp_dir() / "tokenizer.json";
  test::write_file(p, tokenizer_with_vocab({{"a", 0}, {"b", 999999999}}).dump());
  const std::string msg = error_of([&] { Tokenizer::load(p); });  // once allocated 34 GB
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "invalid id");
  test::write_file(p, tokenizer_with_vocab({{"a", 0}, {"b", 10000000}}).dump());
  EXPECT_HAS(error_of([&] { Tokenizer::load(p); }), "too sparse");
}

TEST(HostileTokenizer, OverlongAddedTokenIsRefused) {
  const fs::path p = test::temp_dir() / "tokenizer.json";
  const json added = {{{"id", 1}, {"content", std::string(limits::kAddedTokenBytes + 1, 'x')}}};
  test::write_file(p, tokenizer_with_vocab({{"a", 0}}, added).dump());
  EXPECT_HAS(error_of([&] { Tokenizer::load(p); }), "added token 1 is");
}

TEST(HostileTokenizer, PathologicalSplitRegexFailsQuicklyNamingTheFile) {
  // Each match attempt of (a|aa)*c on a run of 'a' backtracks exponentially: without match
  // limits one character took a tenth of a second.
  const fs::path p = test::temp_dir() / "tokenizer.json";
  json t = tokenizer_with_vocab({{"a", 0}, {"c", 1}});
  t["pre_tokenizer"] = {{"type", "Split"},
                        {"pattern", {{"Regex", "(a|aa)*c"}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  test::write_file(p, t.dump());
  const auto tok = Tokenizer::load(p);
  // (PCRE2 first looks for the required 'c', so the text holds one, far away.)
  const std::string msg = error_of([&] { tok->encode(std::string(4000, 'a') + "bc"); });
  EXPECT_HAS(msg, p.string());
  EXPECT_HAS(msg, "too much work");
  EXPECT_EQ(tok->encode("aac"), (std::vector<int32_t>{0, 0, 1}));  // real texts still work
}

TEST(HostileTokenizer, MalformedSentencePieceModelsAreCoilErrors) {
  const fs::path p = test::temp_dir() / "tokenizer.model";
  for (const std::string& bytes : {std::string("\x0a\xff\xff\xff\xff\x0f", 6),
                                   std::string("not a model at all \xFF\xFE"), std::string()}) {
    test::write_file(p, bytes);
    EXPECT_HAS(error_of([&] { Tokenizer::load(p); }), p.string());
  }
  fs::resize_file(p, limits::kSentencePieceBytes + 1);
  EXPECT_HAS(error_of([&] { Tokenizer::load(p); }), "too large");
}

// ---- State files (class 7) -----------------------------------------------------------------

std::vector<uint8_t> tiny_state_bytes() {
  RecurrentState s;
  s.model_fingerprint = 42;
  s.n_tokens = 3;
  s.n_layers = 1;
  s.d_inner = 2;
  s.d_state = 2;
  s.conv_kernel = 2;
  s.data.assign(s.layer_floats(), 0.5f);
  return serialize_state(s);
}

// Rewrites the trailing checksum after a test edits the header.
void reseal(std::vector<uint8_t>& bytes) {
  const uint64_t sum = hash_bytes(bytes.data(), bytes.size() - 8);
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
}

TEST(HostileState, NegativeTokenCountIsRefused) {
  auto bytes = tiny_state_bytes();
  const uint64_t negative = uint64_t{1} << 63;
  std::memcpy(bytes.data() + 24, &negative, 8);
  reseal(bytes);
  EXPECT_HAS(error_of([&] { parse_state(bytes.data(), bytes.size(), 0, "s.coilstate"); }),
             "s.coilstate is corrupt (a negative token count)");
}

TEST(HostileState, NonZeroReservedFieldIsRefused) {
  auto bytes = tiny_state_bytes();
  bytes[12] = 1;
  reseal(bytes);
  EXPECT_HAS(error_of([&] { parse_state_view(bytes.data(), bytes.size(), 0, "s.coilstate"); }),
             "reserved field");
  const auto good = tiny_state_bytes();
  EXPECT_NO_THROW(parse_state(good.data(), good.size(), 0, "ok"));
}

}  // namespace
}  // namespace coil
