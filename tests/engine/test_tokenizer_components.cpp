// The parts of the tokenizer.json pipeline one at a time, on small tokenizers written by
// the tests: pre-tokenizers and their split behaviours, normalizers, added-token options,
// BPE model options, decoders. Expected results are those of the Hugging Face `tokenizers`
// library on the same files.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coil/tokenizer.hpp"
#include "paths.hpp"

namespace coil {
namespace {

using nlohmann::json;
using Tokens = std::vector<std::string>;

// The UTF-8 characters of `s`, one string each.
Tokens chars_of(const std::string& s) {
  Tokens out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

// GPT-2's byte-to-character table, spelled in UTF-8 (the alphabet of byte-level BPE).
Tokens byte_level_alphabet() {
  Tokens out(256);
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    const int cp = printable ? b : 0x100 + extra++;
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    out[b] = s;
  }
  return out;
}

struct Spec {
  Tokens alphabet;  // single-character tokens, ids 0..n-1
  Tokens merges;    // "a b"; the merged tokens get the next ids
  json pre_tokenizer = nullptr;
  json normalizer = nullptr;
  json decoder = nullptr;
  json added_tokens = json::array();
  json model_extra = json::object();  // extra fields of "model"
};

json to_json(Spec spec) {
  json vocab = json::object();
  int id = 0;
  for (const auto& t : spec.alphabet)
    if (!vocab.contains(t)) vocab[t] = id++;
  for (const auto& m : spec.merges) {
    const size_t sp = m.find(' ');
    const std::string merged = m.substr(0, sp) + m.substr(sp + 1);
    if (!vocab.contains(merged)) vocab[merged] = id++;
  }
  json model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", spec.merges}};
  for (const auto& [k, v] : spec.model_extra.items()) model[k] = v;
  for (auto& t : spec.added_tokens)
    if (!t.contains("id")) t["id"] = id++;
  return {{"version", "1.0"},
          {"added_tokens", spec.added_tokens},
          {"normalizer", spec.normalizer},
          {"pre_tokenizer", spec.pre_tokenizer},
          {"post_processor", nullptr},
          {"decoder", spec.decoder},
          {"model", model}};
}

std::unique_ptr<Tokenizer> load(const Spec& spec) {
  const auto path = test::temp_dir() / "tokenizer.json";
  std::ofstream(path) << to_json(spec).dump(1);
  return Tokenizer::load(path);
}

Tokens tokens_of(const Tokenizer& tok, const std::string& text, bool parse_special = false) {
  Tokens out;
  for (int32_t id : tok.encode(text, parse_special)) out.push_back(tok.id_to_token(id));
  return out;
}

json split(const std::string& regex, const std::string& behavior, bool invert = false) {
  return {{"type", "Split"},
          {"pattern", {{"Regex", regex}}},
          {"behavior", behavior},
          {"invert", invert}};
}

// ---- Split behaviours ------------------------------------------------------------------

Spec dash_spec(json pre) {
  return {chars_of("abc-"), {"a -", "- b", "- -", "- c", "b -"}, std::move(pre)};
}

TEST(TokenizerSplit, Behaviors) {
  const std::string text = "a-b--c";
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-", "Removed"))), text), (Tokens{"a", "b", "c"}));
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-", "Isolated"))), text),
            (Tokens{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-", "MergedWithPrevious"))), text),
            (Tokens{"a-", "b-", "-", "c"}));
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-", "MergedWithNext"))), text),
            (Tokens{"a", "-b", "-", "-c"}));
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-", "Contiguous"))), text),
            (Tokens{"a", "-", "b", "--", "c"}));
}

TEST(TokenizerSplit, Invert) {
  const std::string text = "a-b--c";
  // Inverted, the pattern names what to keep: Removed drops the letters.
  EXPECT_EQ(tokens_of(*load(dash_spec(split("-+", "Removed", true))), text), (Tokens{"-", "--"}));
  // Inverted, "-" and "--" are the matches, each merged into the piece before it.
  EXPECT_EQ(tokens_of(*load(dash_spec(split("[a-c]", "MergedWithPrevious", true))), text),
            (Tokens{"a-", "b", "--", "c"}));
}

TEST(TokenizerSplit, StringPatternIsLiteral) {
  Spec spec{chars_of("ab.x"), {"a .", ". b"}};
  spec.pre_tokenizer = {{"type", "Split"},
                        {"pattern", {{"String", "."}}},
                        {"behavior", "Removed"},
                        {"invert", false}};
  EXPECT_EQ(tokens_of(*load(spec), "a.bx"), (Tokens{"a", "b", "x"}));
}

TEST(TokenizerSplit, UnicodeClasses) {
  // \p{L}+ isolates runs of letters of any script; the rest stays between them.
  Spec spec{chars_of("аб12 éx"), {"а б", "1 2", "б 1", "é x"}};
  spec.pre_tokenizer = split(R"(\p{L}+)", "Isolated");
  EXPECT_EQ(tokens_of(*load(spec), "аб12 éx"), (Tokens{"аб", "12", " ", "éx"}));
}

// ---- Punctuation, Digits, Whitespace -----------------------------------------------------

TEST(TokenizerPreTokenizer, Punctuation) {
  // "." "," "$" (ASCII punctuation) and "¿" (category Po) are punctuation; "€" (Sc) is not.
  Spec spec{chars_of("ab.,$€¿cd"), {". ,", "b $", "€ c", "¿ d", ", b"}};
  spec.pre_tokenizer = {{"type", "Punctuation"}, {"behavior", "Contiguous"}};
  EXPECT_EQ(tokens_of(*load(spec), "a.,b$€c¿d"), (Tokens{"a", ".,", "b", "$", "€c", "¿", "d"}));
  spec.pre_tokenizer = {{"type", "Punctuation"}, {"behavior", "Isolated"}};
  EXPECT_EQ(tokens_of(*load(spec), "a.,b$€c¿d"), (Tokens{"a", ".", ",", "b", "$", "€c", "¿", "d"}));
}

TEST(TokenizerPreTokenizer, Digits) {
  Spec spec{chars_of("abc1234"), {"a b", "1 2", "12 3", "b 1", "3 c"}};
  spec.pre_tokenizer = {{"type", "Digits"}, {"individual_digits", false}};
  EXPECT_EQ(tokens_of(*load(spec), "ab123c4"), (Tokens{"ab", "123", "c", "4"}));
  spec.pre_tokenizer = {{"type", "Digits"}, {"individual_digits", true}};
  EXPECT_EQ(tokens_of(*load(spec), "ab123c4"), (Tokens{"ab", "1", "2", "3", "c", "4"}));
}

TEST(TokenizerPreTokenizer, WhitespaceAndWhitespaceSplit) {
  Spec spec{chars_of("Heyou! "), {"H e", "He y", "y o", "yo u", "you !", "! !"}};
  // Whitespace: words and runs of symbols; WhitespaceSplit: only at whitespace.
  spec.pre_tokenizer = {{"type", "Whitespace"}};
  EXPECT_EQ(tokens_of(*load(spec), "Hey  you!!"), (Tokens{"Hey", "you", "!!"}));
  spec.pre_tokenizer = {{"type", "WhitespaceSplit"}};
  EXPECT_EQ(tokens_of(*load(spec), "Hey  you!!"), (Tokens{"Hey", "you!", "!"}));
}

// ---- ByteLevel ---------------------------------------------------------------------------

Spec byte_level_spec(json pre) {
  return {byte_level_alphabet(),
          {"Ġ h", "Ġh i", "Ġ t", "Ġt o", "h i", "o Ġ", "Â ħ", "Ġ Â", "Ġ ,", ", Ġ"},
          std::move(pre),
          nullptr,
          {{"type", "ByteLevel"},
           {"add_prefix_space", true},
           {"trim_offsets", true},
           {"use_regex", true}}};
}

TEST(TokenizerByteLevel, RegexAndPrefixSpace) {
  auto bl = [](bool prefix, bool regex) {
    return json{{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"use_regex", regex}};
  };
  EXPECT_EQ(tokens_of(*load(byte_level_spec(bl(false, true))), "hi to"), (Tokens{"hi", "Ġto"}));
  EXPECT_EQ(tokens_of(*load(byte_level_spec(bl(true, true))), "hi to"), (Tokens{"Ġhi", "Ġto"}));
  // Without the regex the whole text is one piece, so merges cross the space.
  EXPECT_EQ(tokens_of(*load(byte_level_spec(bl(false, false))), "hi to"), (Tokens{"hi", "Ġto"}));
  EXPECT_EQ(tokens_of(*load(byte_level_spec(bl(false, false))), "to x"), (Tokens{"t", "oĠ", "x"}));
  EXPECT_EQ(tokens_of(*load(byte_level_spec(bl(false, true))), "to x"),
            (Tokens{"t", "o", "Ġ", "x"}));
  // The prefix space is added to every piece an earlier pre-tokenizer made.
  const json seq = {
      {"type", "Sequence"},
      {"pretokenizers", {{{"type", "Punctuation"}, {"behavior", "Isolated"}}, bl(true, true)}}};
  EXPECT_EQ(tokens_of(*load(byte_level_spec(seq)), "hi,to"), (Tokens{"Ġhi", "Ġ,", "Ġto"}));
}

TEST(TokenizerByteLevel, NextLineIsWhitespace) {
  // U+0085 is whitespace for the reference regex engine (Oniguruma): " " and U+0085 are
  // separate pieces here, not " " + symbol.
  const auto tok = load(byte_level_spec({{"type", "ByteLevel"}, {"add_prefix_space", false}}));
  EXPECT_EQ(tokens_of(*tok,
                      "a \xC2\x85"
                      "b"),
            (Tokens{"a", "Ġ", "Âħ", "b"}));
  EXPECT_EQ(tok->decode(tok->encode("a \xC2\x85"
                                    "b")),
            "a \xC2\x85"
            "b");
}

TEST(TokenizerByteLevel, DigitsSeeByteLevelSymbols) {
  // After ByteLevel, "½" (C2 BD) is spelled "Â½", and "½" is numeric: Digits splits it off.
  const json seq = {{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "ByteLevel"}, {"add_prefix_space", false}},
                      {{"type", "Digits"}, {"individual_digits", false}}}}};
  Spec spec = byte_level_spec(seq);
  spec.merges.push_back("Â ½");
  EXPECT_EQ(tokens_of(*load(spec), "\xC2\xBD"), (Tokens{"Â", "½"}));
}

// ---- Normalizers -------------------------------------------------------------------------

TEST(TokenizerNormalizer, NfcNfdLowercaseSequence) {
  Spec spec{chars_of("cafeé\xCC\x81"), {"c a", "ca f", "caf é", "caf e", "cafe \xCC\x81"}};
  spec.normalizer = {{"type", "NFC"}};
  EXPECT_EQ(tokens_of(*load(spec), "cafe\xCC\x81"), (Tokens{"café"}));
  spec.normalizer = {{"type", "NFD"}};
  EXPECT_EQ(tokens_of(*load(spec), "caf\xC3\xA9"), (Tokens{"cafe\xCC\x81"}));
  spec.normalizer = {{"type", "Sequence"},
                     {"normalizers", {{{"type", "Lowercase"}}, {{"type", "NFKC"}}}}};
  EXPECT_EQ(tokens_of(*load(spec), "CAFE\xCC\x81"), (Tokens{"café"}));
}

// ---- Added tokens ------------------------------------------------------------------------

json added(const std::string& content, bool special, json extra = json::object()) {
  json t = {{"content", content}, {"special", special}, {"single_word", false},
            {"lstrip", false},    {"rstrip", false},    {"normalized", !special}};
  for (const auto& [k, v] : extra.items()) t[k] = v;
  return t;
}

TEST(TokenizerAddedTokens, SpecialOnlyWithParseSpecial) {
  Spec spec{chars_of("ab<>x"), {}};
  spec.added_tokens = json::array({added("<x>", true), added("ab", false)});
  const auto tok = load(spec);
  EXPECT_EQ(tokens_of(*tok, "a<x>b", true), (Tokens{"a", "<x>", "b"}));
  EXPECT_EQ(tokens_of(*tok, "a<x>b", false), (Tokens{"a", "<", "x", ">", "b"}));
  // A plain added token is matched either way.
  EXPECT_EQ(tokens_of(*tok, "xabx", false), (Tokens{"x", "ab", "x"}));
  EXPECT_TRUE(tok->is_special(*tok->token_to_id("<x>")));
  EXPECT_FALSE(tok->is_special(*tok->token_to_id("ab")));
}

TEST(TokenizerAddedTokens, LeftmostLongest) {
  Spec spec{chars_of("abc"), {}};
  spec.added_tokens = json::array({added("ab", false), added("abc", false), added("bc", false)});
  EXPECT_EQ(tokens_of(*load(spec), "abcbc"), (Tokens{"abc", "bc"}));
  EXPECT_EQ(tokens_of(*load(spec), "aabcab"), (Tokens{"a", "abc", "ab"}));
}

TEST(TokenizerAddedTokens, StripAndSingleWord) {
  Spec spec{chars_of("abxy "), {}};
  spec.added_tokens =
      json::array({added("[L]", true, {{"lstrip", true}}), added("[R]", true, {{"rstrip", true}}),
                   added("xy", false, {{"single_word", true}})});
  const auto tok = load(spec);
  EXPECT_EQ(tokens_of(*tok, "a  [L] b", true), (Tokens{"a", "[L]", " ", "b"}));
  EXPECT_EQ(tokens_of(*tok, "a [R]  b", true), (Tokens{"a", " ", "[R]", "b"}));
  EXPECT_EQ(tokens_of(*tok, "a xy b", false), (Tokens{"a", " ", "xy", " ", "b"}));
  EXPECT_EQ(tokens_of(*tok, "axy b", false), (Tokens{"a", "x", "y", " ", "b"}));
}

TEST(TokenizerAddedTokens, NormalizedOrRaw) {
  // "é" (precomposed) normalized: matched after NFC, so the decomposed spelling matches.
  // "e\u0301" raw: matched before NFC, only when written decomposed.
  Spec spec{chars_of("aeé\xCC\x81"), {}};
  spec.normalizer = {{"type", "NFC"}};
  spec.added_tokens = json::array({added("\xC3\xA9", false, {{"normalized", true}})});
  EXPECT_EQ(tokens_of(*load(spec), "ae\xCC\x81"), (Tokens{"a", "\xC3\xA9"}));
  spec.added_tokens = json::array({added("e\xCC\x81", false, {{"normalized", false}})});
  EXPECT_EQ(tokens_of(*load(spec),
                      "ae\xCC\x81"
                      "a\xC3\xA9"),
            (Tokens{"a", "e\xCC\x81", "a", "é"}));
}

// ---- BPE model options -------------------------------------------------------------------

TEST(TokenizerBpeModel, MergeOrderFollowsRanks) {
  Spec spec{chars_of("abc"), {"b c", "a b", "a bc"}};
  EXPECT_EQ(tokens_of(*load(spec), "abc"), (Tokens{"abc"}));
  EXPECT_EQ(tokens_of(*load(spec), "abab"), (Tokens{"ab", "ab"}));
  Spec tie{chars_of("a"), {"a a"}};
  EXPECT_EQ(tokens_of(*load(tie), "aaa"), (Tokens{"aa", "a"}));  // leftmost first
}

TEST(TokenizerBpeModel, UnknownCharacters) {
  Spec spec{chars_of("ab"), {}};
  spec.alphabet.push_back("<unk>");
  // Without an unk token, characters outside the vocab are dropped.
  EXPECT_EQ(tokens_of(*load(spec), "axyb"), (Tokens{"a", "b"}));
  spec.model_extra = {{"unk_token", "<unk>"}, {"fuse_unk", false}};
  EXPECT_EQ(tokens_of(*load(spec), "axyb"), (Tokens{"a", "<unk>", "<unk>", "b"}));
  spec.model_extra = {{"unk_token", "<unk>"}, {"fuse_unk", true}};
  EXPECT_EQ(tokens_of(*load(spec), "axyb"), (Tokens{"a", "<unk>", "b"}));
}

TEST(TokenizerBpeModel, ByteFallback) {
  Spec spec{chars_of("ab"), {}};
  for (const char* b : {"<0xC3>", "<0xA9>", "<unk>"}) spec.alphabet.push_back(b);
  spec.model_extra = {{"unk_token", "<unk>"}, {"byte_fallback", true}};
  EXPECT_EQ(tokens_of(*load(spec), "a\xC3\xA9x"), (Tokens{"a", "<0xC3>", "<0xA9>", "<unk>"}));
}

TEST(TokenizerBpeModel, IgnoreMerges) {
  Spec spec{chars_of("abc"), {"a b", "b c"}};
  spec.alphabet.push_back("abc");  // in the vocab, but no merge makes it
  EXPECT_EQ(tokens_of(*load(spec), "abc"), (Tokens{"ab", "c"}));
  spec.model_extra = {{"ignore_merges", true}};
  EXPECT_EQ(tokens_of(*load(spec), "abc"), (Tokens{"abc"}));
}

TEST(TokenizerBpeModel, MergesAsPairs) {
  Spec spec{chars_of("ab"), {}};
  json j = to_json(spec);
  j["model"]["vocab"]["ab"] = 2;
  j["model"]["merges"] = json::array({json::array({"a", "b"})});
  const auto path = test::temp_dir() / "tokenizer.json";
  std::ofstream(path) << j.dump();
  EXPECT_EQ(tokens_of(*Tokenizer::load(path), "abab"), (Tokens{"ab", "ab"}));
}

// ---- Decoders ----------------------------------------------------------------------------

TEST(TokenizerDecoder, NoDecoderJoinsWithSpaces) {
  Spec spec{chars_of("abc"), {"a b"}};
  const auto tok = load(spec);
  EXPECT_EQ(tok->decode(tok->encode("abc")), "ab c");
}

TEST(TokenizerDecoder, ByteLevelWithPlainAddedToken) {
  Spec spec = byte_level_spec({{"type", "ByteLevel"}, {"add_prefix_space", false}});
  spec.added_tokens = json::array({added("  ", false), added("<s>", true)});
  const auto tok = load(spec);
  const auto ids = tok->encode("hi  to<s>", true);
  EXPECT_EQ(tok->decode(ids), "hi  to<s>");
  EXPECT_EQ(tok->decode(ids, true), "hi  to");
  EXPECT_EQ(tok->token_bytes(*tok->token_to_id("Ġ")), " ");
}

}  // namespace
}  // namespace coil
