// The BPE model of a Hugging Face tokenizer.json: a vocabulary and ranked merges, applied
// to one pre-tokenized piece at a time, with a cache of recently seen pieces.
#pragma once
#include <cstdint>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace coil::tok {

class BpeModel {
 public:
  // Reads the "model" object (type BPE). Throws coil::Error naming `file` if the vocab or
  // merges are missing or malformed, or a merge uses a token that is not in the vocab.
  BpeModel(const nlohmann::json& model, const std::string& file);

  // Appends the ids of `piece` (spelled as the vocabulary spells it) to `out`.
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // The vocab string of `id`, or nullptr if the vocab has no such id.
  const std::string* id_to_token(int32_t id) const;
  // One past the largest id of the vocab.
  int32_t id_limit() const { return static_cast<int32_t>(tokens_.size()); }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct MergeResult {
    int32_t rank, id;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
  }
  void merge_word(std::string_view piece, std::vector<int32_t>& out) const;
  const MergeResult* find_merge(int32_t a, int32_t b) const;

  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> vocab_;
  std::vector<std::string> tokens_;  // id -> string ("" for holes)
  std::vector<bool> has_token_;
  std::unordered_map<uint64_t, MergeResult> merges_;
  std::optional<int32_t> unk_id_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string continuing_prefix_;
  std::string end_of_word_suffix_;

  static constexpr size_t kCacheCapacity = 50000;
  static constexpr size_t kMaxCachedPiece = 256;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace coil::tok
