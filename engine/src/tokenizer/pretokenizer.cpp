#include "tokenizer/pretokenizer.hpp"

#include <nlohmann/json.hpp>

#include "coil/error.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/split_behavior.hpp"

namespace coil::tok {
namespace {

using nlohmann::json;

// The GPT-2 pattern the byte-level pre-tokenizer splits with when use_regex is on.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
// One punctuation character: Rust's is_ascii_punctuation or Unicode category P.
constexpr std::string_view kPunctuationChar = R"([\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E\p{P}])";
// One numeric character (Rust's char::is_numeric: categories Nd, Nl, No).
constexpr std::string_view kNumericChar = R"(\p{N})";
constexpr std::string_view kWhitespaceChar = R"(\s)";
constexpr std::string_view kWordsOrSymbols = R"(\w+|[^\w\s]+)";

bool get_bool(const json& j, const char* key, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) throw Error(std::string("\"") + key + "\" must be a boolean");
  return j[key].get<bool>();
}

// Splits every piece at the matches of a regex.
class RegexSplit final : public PreTokenizer {
 public:
  RegexSplit(std::string_view pattern, SplitBehavior behavior, bool invert, const std::string& file)
      : re_(pattern, file), behavior_(behavior), invert_(invert) {}
  void apply(std::vector<std::string>& pieces) const override {
    std::vector<std::string> out;
    out.reserve(pieces.size() * 2);
    for (const std::string& p : pieces) split_piece(p, re_.find_all(p), behavior_, invert_, out);
    pieces = std::move(out);
  }

 private:
  Regex re_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& file)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) re_ = std::make_unique<Regex>(kGpt2Pattern, file);
  }
  void apply(std::vector<std::string>& pieces) const override {
    std::vector<std::string> split;
    split.reserve(pieces.size() * 2);
    for (std::string& p : pieces) {
      if (add_prefix_space_ && p.front() != ' ') p.insert(p.begin(), ' ');
      if (re_)
        split_piece(p, re_->find_all(p), SplitBehavior::kIsolated, false, split);
      else
        split.push_back(std::move(p));
    }
    for (std::string& p : split) p = bytes_to_symbols(p);
    pieces = std::move(split);
  }
  bool byte_level() const override { return true; }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> re_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void apply(std::vector<std::string>& pieces) const override {
    for (const auto& p : parts_) p->apply(pieces);
  }
  bool byte_level() const override {
    for (const auto& p : parts_)
      if (p->byte_level()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

std::unique_ptr<PreTokenizer> make_split(const json& j, const std::string& file) {
  if (!j.contains("pattern") || !j["pattern"].is_object())
    throw Error(file + ": Split pre-tokenizer without a \"pattern\" object");
  const json& pat = j["pattern"];
  std::string pattern;
  if (pat.contains("Regex") && pat["Regex"].is_string())
    pattern = pat["Regex"].get<std::string>();
  else if (pat.contains("String") && pat["String"].is_string())
    pattern = Regex::escape(pat["String"].get<std::string>());
  else
    throw Error(file +
                ": Split pre-tokenizer pattern must be {\"Regex\": ...} or {\"String\": ...}");
  if (!j.contains("behavior") || !j["behavior"].is_string())
    throw Error(file + ": Split pre-tokenizer without a \"behavior\"");
  const SplitBehavior behavior = parse_split_behavior(j["behavior"].get<std::string>(), file);
  try {
    return std::make_unique<RegexSplit>(pattern, behavior, get_bool(j, "invert", false), file);
  } catch (const Error& e) {
    throw Error(file + ": Split pre-tokenizer: " + e.what());
  }
}

std::unique_ptr<PreTokenizer> make_one(const json& j, const std::string& file) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw Error(file + ": malformed \"pre_tokenizer\" (an object with a \"type\" is expected)");
  const std::string type = j["type"].get<std::string>();
  try {
    if (type == "ByteLevel")
      return std::make_unique<ByteLevel>(get_bool(j, "add_prefix_space", true),
                                         get_bool(j, "use_regex", true), file);
    if (type == "Punctuation") {
      const std::string behavior = j.contains("behavior") && j["behavior"].is_string()
                                       ? j["behavior"].get<std::string>()
                                       : "Isolated";
      return std::make_unique<RegexSplit>(kPunctuationChar, parse_split_behavior(behavior, file),
                                          false, file);
    }
    if (type == "Digits") {
      const bool individual = get_bool(j, "individual_digits", false);
      return std::make_unique<RegexSplit>(
          kNumericChar, individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, false,
          file);
    }
    if (type == "Split") return make_split(j, file);
    if (type == "Whitespace")
      return std::make_unique<RegexSplit>(kWordsOrSymbols, SplitBehavior::kRemoved, true, file);
    if (type == "WhitespaceSplit")
      return std::make_unique<RegexSplit>(kWhitespaceChar, SplitBehavior::kRemoved, false, file);
    if (type == "Sequence") {
      if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
        throw Error(file + ": pre-tokenizer Sequence without a \"pretokenizers\" list");
      std::vector<std::unique_ptr<PreTokenizer>> parts;
      for (const json& sub : j["pretokenizers"]) {
        auto p = make_pretokenizer(sub, file);
        if (p) parts.push_back(std::move(p));
      }
      return std::make_unique<Sequence>(std::move(parts));
    }
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(file, 0) == 0) throw;
    throw Error(file + ": pre-tokenizer " + type + ": " + what);
  }
  throw Error(file + ": unsupported pre-tokenizer type '" + type + "'");
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pretokenizer(const json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  return make_one(j, file);
}

}  // namespace coil::tok
