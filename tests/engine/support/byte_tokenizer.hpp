// A tokenizer whose ids are byte values, so the 256-token fixture model (falcon-tiny-f32)
// can produce text: encode/decode are exact byte copies, which makes incremental and
// one-shot tokenization of a conversation identical.
#pragma once
#include "coil/tokenizer.hpp"

namespace coil::test {

// id == byte value: lets the 256-token fixture model produce (meaningless) text.
class ByteTokenizer final : public Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text, bool) const override {
    std::vector<int32_t> ids;
    for (unsigned char c : text) ids.push_back(c);
    return ids;
  }
  std::string decode(std::span<const int32_t> ids, bool) const override {
    std::string s;
    for (int32_t id : ids) s += static_cast<char>(id);
    return s;
  }
  std::string token_bytes(int32_t id) const override {
    return std::string(1, static_cast<char>(id));
  }
  std::string piece_bytes(int32_t id, bool, bool) const override { return token_bytes(id); }
  int32_t vocab_size() const override { return 256; }
  std::optional<int32_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(int32_t id) const override { return token_bytes(id); }
  bool is_special(int32_t) const override { return false; }
};

}  // namespace coil::test
