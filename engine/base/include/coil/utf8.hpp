// The UTF-8 helpers, the one validator of the project (coil::Error's printable messages,
// tokenizers, Jinja templates, GGUF names, the server's messages): encoding a code point,
// the length of a valid sequence, and lossy validation (invalid bytes become U+FFFD, one per
// maximal ill-formed subpart, as Rust's String::from_utf8_lossy and the `tokenizers` library do) in
// a form that can also run incrementally on a byte stream.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace coil {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// The length (1 to 4) of the valid UTF-8 sequence that starts at in[i] (Unicode Table 3-7:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0 when none starts there (an
// invalid byte, or a sequence broken or truncated by the end of `in`). i < in.size().
size_t utf8_valid_len(std::string_view in, size_t i);

// Appends the valid UTF-8 rendering of a prefix of `in` to `out` and returns how many bytes
// of `in` it consumed. With `final`, everything is consumed (a truncated sequence at the end
// becomes U+FFFD); without it, a truncated but so-far valid sequence at the end is left
// unconsumed so that more bytes can complete it.
size_t append_utf8_lossy(std::string_view in, std::string& out, bool final);

// `in` made valid UTF-8.
std::string utf8_lossy(std::string_view in);

// Length in bytes of the UTF-8 sequence starting with byte `lead` (1 for invalid leads).
// Only for text already known to be valid.
inline size_t utf8_char_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Appends code point `cp` encoded as UTF-8.
void append_utf8(std::string& out, char32_t cp);

}  // namespace coil
