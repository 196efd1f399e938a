// Python str semantics on UTF-8 strings: code points for length and indexing, and the
// methods templates use (strip, split, replace, title...). Case mapping is ASCII only.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coil::jinja {

// The code points of `s` as views (an invalid byte counts as one code point). These and the
// functions below charge the render's budget for the bytes they scan (budget.hpp).
std::vector<std::string_view> code_points(std::string_view s);
size_t code_point_count(std::string_view s);
// The length in bytes of the code point at s[i] (an invalid byte is one code point).
size_t code_point_length(std::string_view s, size_t i);
// The code point number `index` of `s` ("" past the end).
std::string_view code_point_at(std::string_view s, size_t index);
// s.find(sub, from) in linear time, whatever the text and pattern.
size_t find_bytes(std::string_view s, std::string_view sub, size_t from);
uint32_t decode_utf8(std::string_view code_point);  // one element of code_points()

bool is_space(char c);  // Python's str.isspace for ASCII
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string capitalize(std::string_view s);   // "hELLO" -> "Hello"
std::string py_title(std::string_view s);     // str.title(): "they're 1st" -> "They'Re 1St"
std::string jinja_title(std::string_view s);  // the title filter: "they're 1st" -> "They're 1st"

// str.strip/lstrip/rstrip: whitespace when `chars` is nullopt, else any of its code points.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split(sep, maxsplit): runs of whitespace when `sep` is nullopt; maxsplit < 0 = no limit.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit);
// str.replace(old, new, count); count < 0 = all.
std::string replace(std::string_view s, std::string_view old, std::string_view with, int64_t count);
// str.count(sub) and str.find(sub) in code points (-1 when absent).
int64_t count(std::string_view s, std::string_view sub);
int64_t find(std::string_view s, std::string_view sub);

}  // namespace coil::jinja
