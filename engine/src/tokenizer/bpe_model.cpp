#include "tokenizer/bpe_model.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <queue>
#include <utility>

#include "coil/error.hpp"
#include "coil/limits.hpp"
#include "coil/utf8.hpp"

namespace coil::tok {

using nlohmann::json;

namespace {

std::optional<std::string> optional_string(const json& model, const char* key,
                                           const std::string& file) {
  if (!model.contains(key) || model[key].is_null()) return std::nullopt;
  if (!model[key].is_string())
    throw Error(file + ": \"model." + key + "\" must be a string or null");
  return model[key].get<std::string>();
}

bool optional_bool(const json& model, const char* key, const std::string& file) {
  if (!model.contains(key) || model[key].is_null()) return false;
  if (!model[key].is_boolean()) throw Error(file + ": \"model." + key + "\" must be a boolean");
  return model[key].get<bool>();
}

}  // namespace

BpeModel::BpeModel(const json& model, const std::string& file) {
  if (!model.contains("vocab")) throw Error(file + ": \"model\" has no \"vocab\"");
  if (!model.contains("merges")) throw Error(file + ": \"model\" has no \"merges\"");
  const json& vocab = model["vocab"];
  if (!vocab.is_object()) throw Error(file + ": \"model.vocab\" must be an object");
  if (vocab.empty()) throw Error(file + ": \"model.vocab\" is empty");

  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= limits::kVocab)
      throw Error(file + ": vocab entry '" + token +
                  "' has an invalid id (ids are integers from 0 "
                  "to " +
                  std::to_string(limits::kVocab - 1) + ")");
    max_id = std::max(max_id, id.get<int64_t>());
  }
  // The id table is allocated for every id up to the largest: a few gaps are fine (ids of
  // added tokens), a table mostly empty is not a real vocab.
  const auto entries = static_cast<int64_t>(vocab.size());
  if (max_id >= entries + limits::kVocabIdSlack)
    throw Error(file + ": \"model.vocab\" has " + std::to_string(entries) +
                " tokens but ids up to " + std::to_string(max_id) + ": too sparse (at most " +
                std::to_string(limits::kVocabIdSlack) + " unused ids are allowed)");
  tokens_.resize(static_cast<size_t>(max_id + 1));
  has_token_.assign(tokens_.size(), false);
  vocab_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    const auto id = static_cast<int32_t>(id_json.get<int64_t>());
    vocab_.emplace(token, id);
    tokens_[id] = token;
    has_token_[id] = true;
  }

  if (auto unk = optional_string(model, "unk_token", file)) {
    const auto it = vocab_.find(*unk);
    if (it == vocab_.end()) throw Error(file + ": unk_token '" + *unk + "' is not in the vocab");
    unk_id_ = it->second;
  }
  fuse_unk_ = optional_bool(model, "fuse_unk", file);
  byte_fallback_ = optional_bool(model, "byte_fallback", file);
  ignore_merges_ = optional_bool(model, "ignore_merges", file);
  continuing_prefix_ = optional_string(model, "continuing_subword_prefix", file).value_or("");
  end_of_word_suffix_ = optional_string(model, "end_of_word_suffix", file).value_or("");

  const json& merges = model["merges"];
  if (!merges.is_array()) throw Error(file + ": \"model.merges\" must be a list");
  merges_.reserve(merges.size());
  int32_t rank = 0;
  for (const json& m : merges) {
    std::string a, b;
    if (m.is_string()) {  // "a b"
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 >= s.size() ||
          s.find(' ', space + 1) != std::string::npos)
        throw Error(file + ": merge #" + std::to_string(rank) + " '" + s +
                    "' is not two tokens separated by a space");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      throw Error(file + ": merge #" + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
    }
    const auto ia = vocab_.find(a), ib = vocab_.find(b);
    if (ia == vocab_.end() || ib == vocab_.end())
      throw Error(file + ": merge #" + std::to_string(rank) + " '" + a + " " + b +
                  "' uses token '" + (ia == vocab_.end() ? a : b) + "' that is not in the vocab");
    const size_t strip = std::min(continuing_prefix_.size(), b.size());
    const std::string merged = a + b.substr(strip);
    const auto im = vocab_.find(merged);
    if (im == vocab_.end())
      throw Error(file + ": merge #" + std::to_string(rank) + " '" + a + " " + b + "' makes '" +
                  merged + "' that is not in the vocab");
    // A repeated pair keeps its last rank, as in the reference implementation.
    merges_.insert_or_assign(pair_key(ia->second, ib->second), MergeResult{rank, im->second});
    ++rank;
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit() || !has_token_[id]) return nullptr;
  return &tokens_[id];
}

const BpeModel::MergeResult* BpeModel::find_merge(int32_t a, int32_t b) const {
  const auto it = merges_.find(pair_key(a, b));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (auto id = token_to_id(piece)) {
      out.push_back(*id);
      return;
    }
  }
  if (piece.size() > kMaxCachedPiece) {
    merge_word(piece, out);
    return;
  }
  {
    std::lock_guard lock(cache_mutex_);
    const auto it = cache_.find(piece);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  merge_word(piece, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= kCacheCapacity) cache_.clear();
  cache_.emplace(std::string(piece), std::move(ids));
}

void BpeModel::merge_word(std::string_view piece, std::vector<int32_t>& out) const {
  // The piece as a doubly linked list of symbols, one per character to start with.
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  std::vector<Symbol> syms;
  syms.reserve(piece.size());
  auto add = [&](int32_t id) {
    const auto n = static_cast<int32_t>(syms.size());
    syms.push_back({id, n - 1, -1, true});
  };

  std::optional<int32_t> pending_unk;
  std::string lookup;
  for (size_t i = 0; i < piece.size();) {
    const size_t len =
        std::min(utf8_char_len(static_cast<unsigned char>(piece[i])), piece.size() - i);
    const bool first = i == 0, last = i + len == piece.size();
    lookup.clear();
    if (!first) lookup += continuing_prefix_;
    lookup.append(piece.substr(i, len));
    if (last) lookup += end_of_word_suffix_;
    i += len;
    if (auto id = token_to_id(lookup)) {
      if (pending_unk) add(*std::exchange(pending_unk, std::nullopt));
      add(*id);
      continue;
    }
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      for (unsigned char b : lookup) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        if (auto id = token_to_id(name))
          bytes.push_back(*id);
        else
          break;
      }
      if (bytes.size() == lookup.size()) {
        if (pending_unk) add(*std::exchange(pending_unk, std::nullopt));
        for (int32_t id : bytes) add(id);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk && !fuse_unk_) add(*pending_unk);
      pending_unk = unk_id_;
    }
    // Without an unk token the character is dropped, as in the reference implementation.
  }
  if (pending_unk) add(*pending_unk);
  if (syms.empty()) return;
  syms.back().next = -1;
  for (size_t k = 0; k + 1 < syms.size(); ++k) syms[k].next = static_cast<int32_t>(k + 1);

  // Lowest rank first; among equal ranks, the leftmost pair.
  struct Candidate {
    int32_t rank, left, new_id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int32_t left) {
    const int32_t right = syms[left].next;
    if (right < 0) return;
    if (const MergeResult* m = find_merge(syms[left].id, syms[right].id))
      queue.push({m->rank, left, m->id});
  };
  for (int32_t k = 0; k + 1 < static_cast<int32_t>(syms.size()); ++k) consider(k);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = syms[c.left];
    if (!left.alive || left.next < 0) continue;
    // Stale if either side changed since the candidate was queued.
    const MergeResult* m = find_merge(left.id, syms[left.next].id);
    if (!m || m->id != c.new_id) continue;
    Symbol& right = syms[left.next];
    left.id = c.new_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) syms[right.next].prev = c.left;
    if (left.prev >= 0) consider(left.prev);
    consider(c.left);
  }
  for (int32_t k = 0; k >= 0; k = syms[k].next) out.push_back(syms[k].id);
}

}  // namespace coil::tok
