// Hugging Face `tokenizers` normalizers, built from the "normalizer" object of a
// tokenizer.json: NFC, NFD, NFKC, NFKD (through ICU), Lowercase, and Sequence of them.
#pragma once
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace coil::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string_view text) const = 0;
};

// nullptr for a JSON null. Throws coil::Error naming `file` and the component for an
// unsupported or malformed normalizer.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& file);

}  // namespace coil::tok
