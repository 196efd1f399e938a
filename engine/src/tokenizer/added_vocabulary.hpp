// The "added_tokens" of a tokenizer.json: tokens matched in the text before
// pre-tokenization (special tokens such as "<|endoftext|>", and plain added tokens such as
// GPT-NeoX's runs of spaces). Matching follows the reference implementation: leftmost
// longest, non-overlapping; tokens with "normalized": false are matched in the raw text,
// the others in the normalized text; lstrip / rstrip / single_word are honoured.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/regex.hpp"
#include "tokenizer/trie.hpp"

namespace coil::tok {

class Normalizer;

struct AddedToken {
  int32_t id;
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
};

// A stretch of text, or a matched added token when id >= 0.
struct Segment {
  std::string text;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) spells the patterns of tokens with "normalized": true.
  AddedVocabulary(const nlohmann::json& added_tokens, const Normalizer* normalizer,
                  const std::string& file);

  // Splits `text` at the tokens of one set (normalized or not). Special tokens are matched
  // only with parse_special (otherwise their text stays plain text).
  void split(std::string_view text, bool normalized_set, bool parse_special,
             std::vector<Segment>& out) const;

  const AddedToken* find(int32_t id) const;
  std::optional<int32_t> token_to_id(std::string_view content) const;
  int32_t id_limit() const { return id_limit_; }
  bool empty() const { return tokens_.empty(); }

 private:
  bool is_space_at(std::string_view text, size_t pos) const { return space_.matches_at(text, pos); }
  bool is_word_at(std::string_view text, size_t pos) const { return word_.matches_at(text, pos); }

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  TokenTrie raw_, normalized_;  // content -> index into tokens_
  int32_t id_limit_ = 0;
  Regex space_{R"(\s)"};
  Regex word_{R"([\p{Alphabetic}\p{N}])"};
};

}  // namespace coil::tok
