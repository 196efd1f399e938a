#include "strings.hpp"

#include <string.h>  // memmem

#include <algorithm>

#include "budget.hpp"
#include "value.hpp"

namespace coil::jinja {
namespace {

size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // stray continuation or invalid byte
}

bool is_ascii_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_ascii_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_ascii_alpha(char c) {
  return is_ascii_upper(c) || is_ascii_lower(c);
}
char lower_char(char c) {
  return is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
char upper_char(char c) {
  return is_ascii_lower(c) ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

size_t code_point_length(std::string_view s, size_t i) {
  size_t len = sequence_length(static_cast<unsigned char>(s[i]));
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  return len;
}

std::vector<std::string_view> code_points(std::string_view s) {
  charge_bytes(s.size() * sizeof(std::string_view));  // what the vector may take
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t len = code_point_length(s, i);
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

size_t code_point_count(std::string_view s) {
  charge_bytes(s.size());
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += code_point_length(s, i)) ++n;
  return n;
}

std::string_view code_point_at(std::string_view s, size_t index) {
  size_t i = 0;
  for (; i < s.size() && index > 0; --index) i += code_point_length(s, i);
  charge_bytes(i);
  return i < s.size() ? s.substr(i, code_point_length(s, i)) : std::string_view();
}

size_t find_bytes(std::string_view s, std::string_view sub, size_t from) {
  if (from > s.size()) return std::string_view::npos;
  if (sub.empty()) return from;
  // glibc's memmem is linear (Two-Way): no text and pattern make it quadratic. It reads up
  // to the match (and the pattern): that is what is charged.
  const void* at = ::memmem(s.data() + from, s.size() - from, sub.data(), sub.size());
  if (!at) {
    charge_bytes(s.size() - from + sub.size());
    return std::string_view::npos;
  }
  const auto i = static_cast<size_t>(static_cast<const char*>(at) - s.data());
  charge_bytes(i - from + 2 * sub.size());
  return i;
}

uint32_t decode_utf8(std::string_view cp) {
  const auto lead = static_cast<unsigned char>(cp[0]);
  if (cp.size() == 1) return lead;
  uint32_t value = lead & (0x7F >> cp.size());
  for (size_t i = 1; i < cp.size(); ++i) value = (value << 6) | (cp[i] & 0x3F);
  return value;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= '\x1c' && c <= '\x1f');
}

std::string to_lower(std::string_view s) {
  charge_bytes(s.size());
  std::string out(s);
  for (auto& c : out) c = lower_char(c);
  return out;
}

std::string to_upper(std::string_view s) {
  charge_bytes(s.size());
  std::string out(s);
  for (auto& c : out) c = upper_char(c);
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out = to_lower(s);
  if (!out.empty()) out[0] = upper_char(out[0]);
  return out;
}

std::string py_title(std::string_view s) {
  charge_bytes(s.size());
  std::string out(s);
  bool previous_cased = false;
  for (auto& c : out) {
    if (is_ascii_alpha(c)) {
      c = previous_cased ? lower_char(c) : upper_char(c);
      previous_cased = true;
    } else {
      previous_cased = false;
    }
  }
  return out;
}

std::string jinja_title(std::string_view s) {
  // Words begin after whitespace, '-', '(', '{', '[' or '<'.
  charge_bytes(s.size());
  std::string out(s);
  bool word_start = true;
  for (auto& c : out) {
    const bool separator = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      word_start = true;
    } else {
      c = word_start ? upper_char(c) : lower_char(c);
      word_start = false;
    }
  }
  return out;
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  std::vector<std::string_view> set;
  if (chars) set = code_points(*chars);
  std::sort(set.begin(), set.end());
  auto strippable = [&](size_t i, size_t len) {
    if (!chars) return len == 1 && is_space(s[i]);
    return std::binary_search(set.begin(), set.end(), s.substr(i, len));
  };
  // One pass over the code points, without a vector of them (the text may be long).
  charge_bytes(s.size());
  size_t begin = 0;
  if (left)
    while (begin < s.size() && strippable(begin, code_point_length(s, begin)))
      begin += code_point_length(s, begin);
  size_t end = s.size();
  if (right) {
    end = begin;  // the end of the last code point that stays
    for (size_t i = begin; i < s.size();) {
      const size_t len = code_point_length(s, i);
      if (!strippable(i, len)) end = i + len;
      i += len;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit) {
  charge_bytes(s.size());
  std::vector<std::string> out;
  if (!sep) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i == s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        out.emplace_back(s.substr(i));  // the rest, trailing whitespace included
        break;
      }
      size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  if (sep->empty()) throw TemplateError("split(): empty separator");
  size_t start = 0;
  while (true) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) break;
    size_t at = find_bytes(s, *sep, start);
    if (at == std::string_view::npos) break;
    charge_steps();
    out.emplace_back(s.substr(start, at - start));
    start = at + sep->size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view with,
                    int64_t count) {
  StringBuilder out;
  if (old.empty()) {  // Python inserts `with` around every code point
    int64_t done = 0;
    for (auto cp : code_points(s)) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
      }
      out += cp;
    }
    if (count < 0 || done < count) out += with;
    return out.take();
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t at = find_bytes(s, old, start);
    if (at == std::string_view::npos) break;
    out += s.substr(start, at - start);
    out += with;
    start = at + old.size();
    ++done;
  }
  out += s.substr(start);
  return out.take();
}

int64_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(code_point_count(s)) + 1;
  int64_t n = 0;
  for (size_t at = find_bytes(s, sub, 0); at != std::string_view::npos;
       at = find_bytes(s, sub, at + sub.size()))
    ++n;
  return n;
}

int64_t find(std::string_view s, std::string_view sub) {
  size_t at = find_bytes(s, sub, 0);
  if (at == std::string_view::npos) return -1;
  return static_cast<int64_t>(code_point_count(s.substr(0, at)));
}

}  // namespace coil::jinja
