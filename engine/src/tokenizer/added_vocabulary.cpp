#include "tokenizer/added_vocabulary.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "coil/error.hpp"
#include "coil/limits.hpp"
#include "tokenizer/normalizer.hpp"

namespace coil::tok {

using nlohmann::json;

namespace {

size_t prev_char_start(std::string_view s, size_t pos) {
  do {
    --pos;
  } while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80);
  return pos;
}

size_t next_char_start(std::string_view s, size_t pos) {
  do {
    ++pos;
  } while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80);
  return pos;
}

bool flag(const json& t, const char* key, bool fallback) {
  return t.contains(key) && t[key].is_boolean() ? t[key].get<bool>() : fallback;
}

}  // namespace

AddedVocabulary::AddedVocabulary(const json& added_tokens, const Normalizer* normalizer,
                                 const std::string& file) {
  if (added_tokens.is_null()) return;
  if (!added_tokens.is_array()) throw Error(file + ": \"added_tokens\" must be a list");
  for (const json& t : added_tokens) {
    if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() ||
        !t.contains("content") || !t["content"].is_string())
      throw Error(file +
                  ": malformed entry in \"added_tokens\" (needs an \"id\" and a \"content\")");
    if (t["id"].get<int64_t>() < 0 || t["id"].get<int64_t>() >= limits::kVocab)
      throw Error(file + ": added token id " + std::to_string(t["id"].get<int64_t>()) +
                  " is out of range (ids are integers from 0 to " +
                  std::to_string(limits::kVocab - 1) + ")");
    AddedToken tok;
    tok.id = static_cast<int32_t>(t["id"].get<int64_t>());
    tok.content = t["content"].get<std::string>();
    if (tok.content.empty())
      throw Error(file + ": added token " + std::to_string(tok.id) + " is empty");
    if (tok.content.size() > limits::kAddedTokenBytes)
      throw Error(file + ": added token " + std::to_string(tok.id) + " is " +
                  std::to_string(tok.content.size()) + " bytes long, more than the " +
                  std::to_string(limits::kAddedTokenBytes) + " allowed");
    tok.special = flag(t, "special", false);
    tok.single_word = flag(t, "single_word", false);
    tok.lstrip = flag(t, "lstrip", false);
    tok.rstrip = flag(t, "rstrip", false);
    tok.normalized = flag(t, "normalized", !tok.special);
    by_id_[tok.id] = tokens_.size();
    id_limit_ = std::max(id_limit_, tok.id + 1);
    tokens_.push_back(std::move(tok));
  }
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& tok = tokens_[i];
    if (tok.normalized)
      normalized_.insert(normalizer ? normalizer->normalize(tok.content) : tok.content,
                         static_cast<int32_t>(i));
    else
      raw_.insert(tok.content, static_cast<int32_t>(i));
  }
}

void AddedVocabulary::split(std::string_view text, bool normalized_set, bool parse_special,
                            std::vector<Segment>& out) const {
  const TokenTrie& trie = normalized_set ? normalized_ : raw_;
  size_t emitted = 0;  // text before this offset has been output
  size_t i = 0;
  while (i < text.size()) {
    if (!trie.may_start(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const auto [len, index] = trie.longest_at(text, i);
    if (index < 0) {
      ++i;
      continue;
    }
    const AddedToken& tok = tokens_[index];
    size_t start = i, stop = i + len;
    i = stop;  // matches never overlap, even when this one is not used
    if (tok.special && !parse_special) continue;
    if (tok.single_word) {
      const bool word_before = start > 0 && is_word_at(text, prev_char_start(text, start));
      const bool word_after = stop < text.size() && is_word_at(text, stop);
      if (word_before || word_after) continue;
    }
    if (tok.lstrip) {
      while (start > emitted) {
        const size_t p = prev_char_start(text, start);
        if (!is_space_at(text, p)) break;
        start = p;
      }
    }
    if (tok.rstrip) {
      while (stop < text.size() && is_space_at(text, stop)) stop = next_char_start(text, stop);
      i = stop;
    }
    if (start > emitted) out.push_back({std::string(text.substr(emitted, start - emitted)), -1});
    out.push_back({std::string(), tok.id});
    emitted = stop;
  }
  if (emitted < text.size()) out.push_back({std::string(text.substr(emitted)), -1});
}

const AddedToken* AddedVocabulary::find(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  for (const AddedToken& t : tokens_)
    if (t.content == content) return t.id;
  return std::nullopt;
}

}  // namespace coil::tok
