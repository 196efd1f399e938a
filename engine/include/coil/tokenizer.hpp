// Tokenizers: byte-level BPE from tokenizer.json (Falcon, GPT-NeoX) and SentencePiece
// models (tokenizer.model) through libsentencepiece.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coil {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // `path` is a tokenizer.json, a tokenizer.model, a folder holding one of them
  // (tokenizer.json preferred), or a GGUF file (its tokenizer.huggingface.json when it has
  // one, else its tokenizer.ggml.* vocabulary). Throws coil::Error naming the file on
  // anything malformed.
  static std::unique_ptr<Tokenizer> load(const std::filesystem::path& path);

  // Text -> ids. With parse_special, special tokens written in the text (e.g.
  // "<|endoftext|>") become their ids; without it they are tokenized as plain text.
  // Non-special added tokens (GPT-NeoX's runs of spaces) are always matched, as the Hugging
  // Face library does. Invalid UTF-8 in `text` is first replaced by U+FFFD.
  // Adds no BOS/EOS: the chat template or the caller decides.
  virtual std::vector<int32_t> encode(std::string_view text, bool parse_special = false) const = 0;

  // Ids -> text. Invalid UTF-8 from partial byte sequences is replaced by U+FFFD (one per
  // maximal ill-formed subsequence, as the Hugging Face library does). Ids the tokenizer
  // does not know contribute nothing.
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special = false) const = 0;

  // The raw bytes one token stands for (byte-level decoded; may be part of a UTF-8 char).
  virtual std::string token_bytes(int32_t id) const = 0;

  // The bytes `id` adds to decode()'s output: decode() is the concatenation of these (with
  // `at_start` true while nothing has been output yet), made valid UTF-8. `at_start` matters
  // for SentencePiece, whose first piece loses its leading space; with skip_special, special
  // tokens add nothing.
  virtual std::string piece_bytes(int32_t id, bool at_start, bool skip_special) const = 0;

  virtual int32_t vocab_size() const = 0;
  // The id of an exact token string (e.g. "<|im_end|>"), if it exists.
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::string id_to_token(int32_t id) const = 0;  // the vocab string, "" if unknown
  virtual bool is_special(int32_t id) const = 0;
};

// Turns a stream of ids into text pieces that never split a UTF-8 sequence: bytes of an
// incomplete character are held back until the character completes (or flush()).
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tok, bool skip_special = true);
  std::string push(int32_t id);  // the complete UTF-8 text newly available ("" if none)
  std::string flush();           // whatever is held back (invalid bytes as U+FFFD)
  void reset();

 private:
  const Tokenizer& tok_;
  bool skip_special_;
  bool first_ = true;
  std::string pending_;
};

}  // namespace coil
