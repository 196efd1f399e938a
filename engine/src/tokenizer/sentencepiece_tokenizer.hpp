// A SentencePiece model (tokenizer.model) through libsentencepiece. Encoding is the
// library's; decoding is done piece by piece here (with the library's rules: "▁" is a
// space, byte pieces are raw bytes, control pieces are invisible, the first piece loses its
// leading space) so that streaming and whole-sequence decoding agree.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "coil/tokenizer.hpp"
#include "tokenizer/trie.hpp"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace coil::tok {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Throws coil::Error naming the file if it is missing or not a SentencePiece model.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& file);
  ~SentencePieceTokenizer() override;

  std::vector<int32_t> encode(std::string_view text, bool parse_special) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special) const override;
  std::string token_bytes(int32_t id) const override;
  std::string piece_bytes(int32_t id, bool at_start, bool skip_special) const override;
  int32_t vocab_size() const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int32_t id) const override;
  // Control pieces (<s>, </s>, ...). The unknown piece is not special: it decodes to " ⁇ ".
  bool is_special(int32_t id) const override;

 private:
  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp,
                         std::string file);
  void encode_plain(std::string_view text, std::vector<int32_t>& out) const;
  bool valid(int32_t id) const { return id >= 0 && id < vocab_size(); }

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  std::string file_;
  bool strip_first_space_ = true;
  TokenTrie specials_;  // control pieces matched in text -> their ids
  bool has_specials_ = false;
};

}  // namespace coil::tok
