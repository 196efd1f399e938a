#include "tokenizer/normalizer.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "coil/error.hpp"

namespace coil::tok {
namespace {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

enum class Form { kNFC, kNFD, kNFKC, kNFKD };

class UnicodeForm final : public Normalizer {
 public:
  UnicodeForm(Form form, const std::string& file) {
    UErrorCode status = U_ZERO_ERROR;
    switch (form) {
      case Form::kNFC:
        norm_ = icu::Normalizer2::getNFCInstance(status);
        break;
      case Form::kNFD:
        norm_ = icu::Normalizer2::getNFDInstance(status);
        break;
      case Form::kNFKC:
        norm_ = icu::Normalizer2::getNFKCInstance(status);
        break;
      case Form::kNFKD:
        norm_ = icu::Normalizer2::getNFKDInstance(status);
        break;
    }
    if (U_FAILURE(status) || !norm_)
      throw Error(file + ": ICU normalizer unavailable: " + u_errorName(status));
  }

  std::string normalize(std::string_view text) const override {
    if (is_ascii(text)) return std::string(text);  // ASCII is invariant under all four forms
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString in = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    if (norm_->isNormalized(in, status) && U_SUCCESS(status)) return std::string(text);
    status = U_ZERO_ERROR;
    const icu::UnicodeString normalized = norm_->normalize(in, status);
    if (U_FAILURE(status))
      throw Error(std::string("Unicode normalization failed: ") + u_errorName(status));
    std::string out;
    normalized.toUTF8String(out);
    return out;
  }

 private:
  const icu::Normalizer2* norm_ = nullptr;
};

class Lowercase final : public Normalizer {
 public:
  std::string normalize(std::string_view text) const override {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    s.toLower(icu::Locale::getRoot());
    std::string out;
    s.toUTF8String(out);
    return out;
  }
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  std::string normalize(std::string_view text) const override {
    std::string s(text);
    for (const auto& p : parts_) s = p->normalize(s);
    return s;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw Error(file + ": malformed \"normalizer\" (an object with a \"type\" is expected)");
  const std::string type = j["type"].get<std::string>();
  if (type == "NFC") return std::make_unique<UnicodeForm>(Form::kNFC, file);
  if (type == "NFD") return std::make_unique<UnicodeForm>(Form::kNFD, file);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(Form::kNFKC, file);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(Form::kNFKD, file);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      throw Error(file + ": normalizer Sequence without a \"normalizers\" list");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const auto& sub : j["normalizers"]) {
      auto n = make_normalizer(sub, file);
      if (n) parts.push_back(std::move(n));
    }
    return std::make_unique<Sequence>(std::move(parts));
  }
  throw Error(file + ": unsupported normalizer type '" + type + "'");
}

}  // namespace coil::tok
