#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.hpp"

#include <pcre2.h>

#include <new>

#include "coil/error.hpp"
#include "coil/limits.hpp"

namespace coil::tok {
namespace {

// Oniguruma's Unicode \s also matches U+0085 (NEL); PCRE2's UCP \s does not.
std::string widen_space_classes(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[i + 1];
      if (e == 's') {
        out += in_class ? "\\s\\x{85}" : "[\\s\\x{85}]";
      } else if (e == 'S' && !in_class) {
        out += "[^\\s\\x{85}]";
      } else {
        out += c;
        out += e;
      }
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {  // [:alpha:]
      const size_t close = p.find(":]", i + 2);
      if (close != std::string_view::npos) {
        out.append(p.substr(i, close + 2 - i));
        i = close + 1;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

struct MatchData {
  pcre2_match_data* md;
  explicit MatchData(const pcre2_code* code)
      : md(pcre2_match_data_create_from_pattern(code, nullptr)) {
    if (!md) throw std::bad_alloc();
  }
  ~MatchData() { pcre2_match_data_free(md); }
};

// The JIT's backtracking stack: PCRE2's default (32 KiB on the machine stack) is too small
// for long runs matched by real patterns; this one grows up to kRegexJitStackKiB on the
// heap. One per thread, made on first use.
pcre2_jit_stack* jit_stack() {
  struct Stack {
    pcre2_jit_stack* s =
        pcre2_jit_stack_create(32 * 1024, limits::kRegexJitStackKiB * 1024, nullptr);
    ~Stack() { pcre2_jit_stack_free(s); }
  };
  thread_local const Stack stack;
  if (!stack.s) throw std::bad_alloc();
  return stack.s;
}

// A match context with the limits of limits.hpp (the match limit set per attempt).
struct MatchContext {
  pcre2_match_context* mc;
  MatchContext() : mc(pcre2_match_context_create(nullptr)) {
    if (!mc) throw std::bad_alloc();
    pcre2_set_depth_limit(mc, limits::kRegexDepth);
    pcre2_set_heap_limit(mc, limits::kRegexHeapKiB);
    pcre2_jit_stack_assign(mc, nullptr, jit_stack());
  }
  ~MatchContext() { pcre2_match_context_free(mc); }
};

// The match limits an attempt is tried with, each charged in full to the text's budget, so
// that the charges bound the work actually done. An attempt consumes at least one byte, so
// attempts that succeed within the first limit (real patterns match a word or a run of
// spaces in far fewer steps) never exhaust the budget, whatever the text; longer matches
// (a 100 KB word) are retried with larger limits, paid from the budget's base.
constexpr uint32_t kAttemptSteps[] = {limits::kRegexStepsPerByte, 1 << 16,
                                      limits::kRegexMatchSteps};

}  // namespace

struct Regex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

Regex::Regex(std::string_view pattern, std::string source)
    : pattern_(pattern), source_(std::move(source)), impl_(std::make_unique<Impl>()) {
  const std::string translated = widen_space_classes(pattern);
  int err = 0;
  PCRE2_SIZE err_off = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &err_off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    throw Error("invalid regular expression '" + pattern_ + "' at offset " +
                std::to_string(err_off) + ": " + reinterpret_cast<const char*>(buf));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
}

Regex::~Regex() = default;

std::vector<Match> Regex::find_all(std::string_view subject) const {
  std::vector<Match> out;
  MatchData data(impl_->code);
  MatchContext context;
  const auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  // What the attempts over this subject may cost together (see kFirstAttemptSteps).
  uint64_t budget = limits::kRegexBaseSteps + limits::kRegexStepsPerByte * subject.size();
  size_t pos = 0;
  while (pos <= subject.size()) {
    int rc = PCRE2_ERROR_MATCHLIMIT;
    for (uint32_t steps : kAttemptSteps) {
      if (budget < steps) break;
      budget -= steps;
      pcre2_set_match_limit(context.mc, steps);
      rc =
          pcre2_match(impl_->code, s, subject.size(), pos, PCRE2_NO_UTF_CHECK, data.md, context.mc);
      if (rc != PCRE2_ERROR_MATCHLIMIT) break;
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) fail(rc, subject.size());
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
    const size_t b = ov[0], e = ov[1];
    if (b < pos || e < b || e > subject.size()) break;  // \K can report such matches: ignore them
    if (e > b) {
      out.push_back({b, e});
      pos = e;
    } else {  // empty match (kept as a split point unless it abuts the previous match)
      if (out.empty() || out.back().end != b) out.push_back({b, e});
      pos = b + 1;
      while (pos < subject.size() && (static_cast<unsigned char>(subject[pos]) & 0xC0) == 0x80)
        ++pos;
    }
  }
  return out;
}

void Regex::fail(int rc, size_t subject_bytes) const {
  const std::string where =
      (source_.empty() ? "" : source_ + ": ") + "the regular expression '" + pattern_ + "'";
  const std::string text = " on a text of " + std::to_string(subject_bytes) + " bytes";
  switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
      throw Error(where + " needs too much work" + text + " (" +
                  (rc == PCRE2_ERROR_MATCHLIMIT
                       ? "more than " + std::to_string(limits::kRegexMatchSteps) +
                             " steps for one match, or " +
                             std::to_string(limits::kRegexStepsPerByte) + " per byte in all"
                       : std::string("backtracking nested too deeply")) +
                  "): the pattern is pathological");
    default: {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(rc, buf, sizeof buf);
      throw Error(where + " failed" + text + ": " + reinterpret_cast<const char*>(buf));
    }
  }
}

bool Regex::matches_at(std::string_view subject, size_t pos) const {
  MatchData data(impl_->code);
  MatchContext context;
  pcre2_set_match_limit(context.mc, limits::kRegexMatchSteps);
  const int rc =
      pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), pos,
                  PCRE2_NO_UTF_CHECK | PCRE2_ANCHORED, data.md, context.mc);
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) fail(rc, subject.size());
  return rc >= 0;
}

std::string Regex::escape(std::string_view literal) {
  std::string out = "\\Q";
  size_t start = 0;
  // \Q...\E quotes everything except a literal "\E", which is split out.
  for (size_t at; (at = literal.find("\\E", start)) != std::string_view::npos; start = at + 2) {
    out.append(literal.substr(start, at - start));
    out += "\\E\\\\E\\Q";
  }
  out.append(literal.substr(start));
  out += "\\E";
  return out;
}

}  // namespace coil::tok
