// A compiled PCRE2 regular expression (UTF + UCP, JIT when available) for the
// pre-tokenizers. Patterns are Hugging Face `tokenizers` (Oniguruma) syntax; `\s` and `\S`
// are widened to include U+0085 as Oniguruma's Unicode `\s` does.
// Patterns come from downloaded files, so matching is bounded (limits.hpp): each attempt by
// PCRE2's match, depth and heap limits, and all the attempts over one text together by a
// budget proportional to its length. A pattern that needs more fails with a coil::Error
// naming the file, instead of taking minutes.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coil::tok {

struct Match {
  size_t begin, end;  // byte offsets into the subject
};

class Regex {
 public:
  // Throws coil::Error (mentioning `pattern`) if it does not compile. `source` names the file
  // the pattern comes from, for the errors of matching.
  explicit Regex(std::string_view pattern, std::string source = "");
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Every non-overlapping match in `subject` (valid UTF-8), left to right. Empty matches are
  // reported too (they are split points), except one right where the previous match ended.
  std::vector<Match> find_all(std::string_view subject) const;
  // Whether the pattern matches at exactly byte offset `pos` of `subject`.
  bool matches_at(std::string_view subject, size_t pos) const;

  const std::string& pattern() const { return pattern_; }

  // Escapes `literal` so that it matches itself.
  static std::string escape(std::string_view literal);

 private:
  [[noreturn]] void fail(int pcre2_error, size_t subject_bytes) const;

  std::string pattern_;
  std::string source_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coil::tok
