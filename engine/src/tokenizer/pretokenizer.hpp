// Hugging Face `tokenizers` pre-tokenizers, built from the "pre_tokenizer" object of a
// tokenizer.json: Sequence, Punctuation, ByteLevel, Digits, Split, Whitespace,
// WhitespaceSplit. Each one refines a list of pieces into a finer list; the byte-level
// pre-tokenizer also respells its pieces with byte-level symbols (so later stages see
// those symbols, exactly as in the reference implementation).
#pragma once
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace coil::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their refinement. Pieces are non-empty valid UTF-8.
  virtual void apply(std::vector<std::string>& pieces) const = 0;
  // Whether the pieces come out spelled with byte-level symbols.
  virtual bool byte_level() const { return false; }
};

// nullptr for a JSON null. Throws coil::Error naming `file` and the component for an
// unsupported or malformed pre-tokenizer.
std::unique_ptr<PreTokenizer> make_pretokenizer(const nlohmann::json& j, const std::string& file);

}  // namespace coil::tok
