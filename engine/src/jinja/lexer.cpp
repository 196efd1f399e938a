#include "lexer.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "coil/error.hpp"
#include "coil/utf8.hpp"
#include "strings.hpp"
#include "value.hpp"

namespace coil::jinja {

void syntax_error(const std::string& reason, Pos pos) {
  throw Error("chat template: " + reason + " at line " + std::to_string(pos.line) + ", column " +
              std::to_string(pos.column));
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case Tok::Text:
      return "text";
    case Tok::VarBegin:
      return "'{{'";
    case Tok::VarEnd:
      return "'}}'";
    case Tok::BlockBegin:
      return "'{%'";
    case Tok::BlockEnd:
      return "'%}'";
    case Tok::String:
      return "string " + repr_string(token.text);
    case Tok::Eof:
      return "end of template";
    default:
      return "'" + token.text + "'";
  }
}

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Newlines normalized to "\n" and one trailing newline dropped, as Jinja does by default.
std::string normalize(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize(source)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    size_t pos = 0;
    while (pos < src_.size()) {
      const size_t start = find_tag(pos);
      if (start == std::string::npos) {
        emit_text(src_.substr(pos), pos);
        break;
      }
      const char kind = src_[start + 1];
      const char sign = start + 2 < src_.size() ? src_[start + 2] : '\0';
      const bool has_sign = sign == '-' || (sign == '+' && kind != '{');
      emit_text(strip_before(src_.substr(pos, start - pos), kind, has_sign ? sign : '\0'), pos);
      const size_t body = start + 2 + (has_sign ? 1 : 0);
      pos = kind == '#' ? skip_comment(start, body) : lex_tag(start, kind, body);
    }
    Token eof;
    eof.kind = Tok::Eof;
    eof.pos = pos_at(src_.size());
    out_.push_back(eof);
    return std::move(out_);
  }

 private:
  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> out_;
  bool line_starting_ = true;  // the previous tag ended with the newline it consumed
  mutable size_t cache_line_ = 0, cache_offset_ = 0, cache_column_ = 0;  // of pos_at

  // The line and column of `offset`. Tokens come mostly in order, so the column is counted
  // on from the previous position of the same line: lexing stays linear on long lines.
  Pos pos_at(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());
    size_t from = line_starts_[line - 1];
    size_t col = 0;
    if (cache_line_ == line && cache_offset_ <= offset) {
      from = cache_offset_;
      col = cache_column_;
    }
    col += count_code_points(std::string_view(src_).substr(from, offset - from));
    cache_line_ = line;
    cache_offset_ = offset;
    cache_column_ = col;
    return Pos{static_cast<int>(std::min<size_t>(line, INT32_MAX)),
               static_cast<int>(std::min<size_t>(col + 1, INT32_MAX))};
  }

  static size_t count_code_points(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1))
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    return std::string::npos;
  }

  void emit_text(std::string text, size_t offset) {
    if (text.empty()) return;
    Token t;
    t.kind = Tok::Text;
    t.text = std::move(text);
    t.pos = pos_at(offset);
    out_.push_back(std::move(t));
  }

  // The text before a tag, after '-' (strip all whitespace) or lstrip_blocks (strip the
  // indentation of a block or comment tag alone at the start of its line).
  std::string strip_before(std::string text, char kind, char sign) const {
    if (sign == '-') {
      while (!text.empty() && is_ws(text.back())) text.pop_back();
    } else if (sign != '+' && kind != '{') {
      const size_t nl = text.rfind('\n');
      const size_t line_begin = nl == std::string::npos ? 0 : nl + 1;
      if ((line_begin > 0 || line_starting_) && line_begin < text.size() &&
          std::all_of(text.begin() + static_cast<std::ptrdiff_t>(line_begin), text.end(), is_ws))
        text.resize(line_begin);
    }
    return text;
  }

  // After a tag's end marker at `end` (of length `len`): '-' strips all following
  // whitespace, otherwise a block/comment drops one newline (trim_blocks) unless '+'.
  size_t strip_after(size_t end, size_t len, char sign, bool trim) {
    size_t after = end + len;
    if (sign == '-') {
      while (after < src_.size() && is_ws(src_[after])) ++after;
    } else if (trim && sign != '+' && after < src_.size() && src_[after] == '\n') {
      ++after;
    }
    line_starting_ = after > end + len && src_[after - 1] == '\n';
    return after;
  }

  size_t skip_comment(size_t start, size_t body) {
    const size_t end = src_.find("#}", body);
    if (end == std::string::npos) syntax_error("unclosed comment", pos_at(start));
    const bool minus = end > body && src_[end - 1] == '-';
    return strip_after(end, 2, minus ? '-' : '\0', true);
  }

  void push(Tok kind, std::string text, size_t offset) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.pos = pos_at(offset);
    out_.push_back(std::move(t));
  }

  size_t lex_tag(size_t start, char kind, size_t body) {
    push(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, kind == '{' ? "{{" : "{%", start);
    const size_t first = out_.size();
    std::string open;  // brackets awaiting their closing one, innermost last
    size_t i = body;
    while (true) {
      while (i < src_.size() && is_ws(src_[i])) ++i;
      if (i >= src_.size())
        syntax_error(kind == '{' ? "unclosed '{{' (missing '}}')" : "unclosed '{%' (missing '%}')",
                     pos_at(start));
      if (open.empty()) {
        const std::string_view rest = std::string_view(src_).substr(i);
        const std::string_view close = kind == '{' ? "}}" : "%}";
        char sign = '\0';
        if ((rest.starts_with('-') || (kind == '%' && rest.starts_with('+'))) &&
            rest.substr(1).starts_with(close))
          sign = rest[0];
        if (sign || rest.starts_with(close)) {
          const size_t len = close.size() + (sign ? 1 : 0);
          push(kind == '{' ? Tok::VarEnd : Tok::BlockEnd, std::string(close), i);
          if (kind == '%' && out_.size() == first + 2 && out_[first].kind == Tok::Name &&
              out_[first].text == "raw")  // no trim_blocks after {% raw %}, as in Jinja
            return lex_raw(start, strip_after(i, len, sign, false));
          return strip_after(i, len, sign, kind == '%');
        }
      }
      i = lex_token(i, open);
    }
  }

  // The body of {% raw %}...{% endraw %} is text, tags and all.
  size_t lex_raw(size_t raw_start, size_t from) {
    out_.resize(out_.size() - 3);  // drop '{%' 'raw' '%}'
    for (size_t p = src_.find("{%", from); p != std::string::npos; p = src_.find("{%", p + 1)) {
      size_t q = p + 2;
      const char begin_sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : 0;
      if (begin_sign) ++q;
      while (q < src_.size() && is_ws(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      while (q < src_.size() && is_ws(src_[q])) ++q;
      char end_sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) end_sign = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) continue;
      emit_text(strip_before(src_.substr(from, p - from), '%', begin_sign), from);
      return strip_after(q - (end_sign ? 1 : 0), end_sign ? 3 : 2, end_sign, true);
    }
    syntax_error("missing '{% endraw %}' for this '{% raw %}'", pos_at(raw_start));
  }

  size_t lex_token(size_t i, std::string& open) {
    const char c = src_[i];
    if (is_name_start(c)) {
      size_t j = i;
      while (j < src_.size() && is_name_char(src_[j])) ++j;
      push(Tok::Name, src_.substr(i, j - i), i);
      return j;
    }
    if (is_digit(c)) return lex_number(i);
    if (c == '\'' || c == '"') return lex_string(i);
    static const char* const two[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : two)
      if (src_.compare(i, 2, op) == 0) {
        push(Tok::Op, op, i);
        return i + 2;
      }
    if (std::string_view("+-*/%~<>=.,:|()[]{}").find(c) != std::string_view::npos) {
      if (c == '(' || c == '[' || c == '{') open += c == '(' ? ')' : c == '[' ? ']' : '}';
      if ((c == ')' || c == ']' || c == '}') && !open.empty()) {
        if (open.back() != c)
          syntax_error(std::string("unexpected '") + c + "', expected '" + open.back() + "'",
                       pos_at(i));
        open.pop_back();
      }
      push(Tok::Op, std::string(1, c), i);
      return i + 1;
    }
    const auto cp = code_points(std::string_view(src_).substr(i, 4));
    syntax_error("unexpected character '" + std::string(cp.empty() ? "" : cp[0]) + "'", pos_at(i));
  }

  size_t lex_number(size_t i) {
    size_t j = i;
    bool is_float = false;
    auto digits = [&] {
      while (j < src_.size() && (is_digit(src_[j]) ||
                                 (src_[j] == '_' && j + 1 < src_.size() && is_digit(src_[j + 1]))))
        ++j;
    };
    digits();
    if (j + 1 < src_.size() && src_[j] == '.' && is_digit(src_[j + 1])) {
      is_float = true;
      ++j;
      digits();
    }
    if (j < src_.size() && (src_[j] == 'e' || src_[j] == 'E')) {
      size_t k = j + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && is_digit(src_[k])) {
        is_float = true;
        j = k;
        digits();
      }
    }
    std::string spelled = src_.substr(i, j - i);
    std::string plain = spelled;
    plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
    Token t;
    t.kind = is_float ? Tok::Float : Tok::Int;
    t.text = spelled;
    t.pos = pos_at(i);
    if (is_float) {
      t.float_value = std::strtod(plain.c_str(), nullptr);
    } else {
      auto r = std::from_chars(plain.data(), plain.data() + plain.size(), t.int_value);
      if (r.ec != std::errc()) syntax_error("integer literal too large: " + spelled, t.pos);
    }
    out_.push_back(std::move(t));
    return j;
  }

  // A quoted string with Python's escapes (\n \t \\ \' \xHH \uHHHH ...); unknown escapes
  // keep their backslash, as in Python.
  size_t lex_string(size_t i) {
    const char quote = src_[i];
    std::string value;
    size_t j = i + 1;
    while (true) {
      if (j >= src_.size()) syntax_error("unterminated string", pos_at(i));
      const char c = src_[j];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++j;
        continue;
      }
      if (j + 1 >= src_.size()) syntax_error("unterminated string", pos_at(i));
      const char e = src_[j + 1];
      j += 2;
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            const int h = j + k < src_.size() ? hex_value(src_[j + k]) : -1;
            if (h < 0) syntax_error(std::string("invalid \\") + e + " escape", pos_at(j - 2));
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          if (cp > 0x10FFFF) syntax_error("invalid code point in escape", pos_at(j - 2));
          append_utf8(value, cp);
          j += n;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {  // octal, up to three digits
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && j < src_.size() && src_[j] >= '0' && src_[j] <= '7'; ++k)
              cp = cp * 8 + static_cast<uint32_t>(src_[j++] - '0');
            append_utf8(value, cp);
          } else {
            value += '\\';
            value += e;
          }
      }
    }
    Token t;
    t.kind = Tok::String;
    t.text = std::move(value);
    t.pos = pos_at(i);
    out_.push_back(std::move(t));
    return j + 1;
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace coil::jinja
