// A byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json (Falcon, GPT-NeoX):
// added tokens -> normalizer -> pre-tokenizer -> BPE model, and the decoder back.
#pragma once
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "coil/tokenizer.hpp"
#include "tokenizer/added_vocabulary.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/pretokenizer.hpp"

namespace coil::tok {

class BpeTokenizer final : public Tokenizer {
 public:
  // Throws coil::Error naming the file on anything missing, malformed or unsupported.
  static std::unique_ptr<BpeTokenizer> load(const std::filesystem::path& file);
  // The same from a parsed tokenizer.json; `file` names its source in errors.
  static std::unique_ptr<BpeTokenizer> from_json(const nlohmann::json& root,
                                                 const std::string& file);

  std::vector<int32_t> encode(std::string_view text, bool parse_special) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special) const override;
  std::string token_bytes(int32_t id) const override;
  std::string piece_bytes(int32_t id, bool at_start, bool skip_special) const override;
  int32_t vocab_size() const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int32_t id) const override;
  bool is_special(int32_t id) const override;

 private:
  BpeTokenizer(std::unique_ptr<Normalizer> normalizer, std::unique_ptr<PreTokenizer> pretokenizer,
               std::unique_ptr<BpeModel> model, std::unique_ptr<AddedVocabulary> added,
               bool byte_level_decoder, std::string file);
  static std::unique_ptr<BpeTokenizer> build(const nlohmann::json& root, const std::string& file);
  std::vector<int32_t> encode_all(std::string_view text, bool parse_special) const;
  void encode_text(std::string_view normalized, std::vector<int32_t>& out) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pretokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<AddedVocabulary> added_;
  bool byte_level_decoder_;
  std::string file_;  // for error messages
};

}  // namespace coil::tok
