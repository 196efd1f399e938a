// coil::Error: messages made printable, and the boundary that turns what other libraries
// throw into coil::Error.
#include "coil/error.hpp"

#include <cstdio>
#include <new>
#include <stdexcept>

namespace coil {
namespace {

// The length of the valid UTF-8 sequence at s[i] (Unicode Table 3-7), or 0.
size_t valid_sequence(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return 0;
  }
  return len;
}

void append_escaped(std::string& out, unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  out += buf;
}

// nlohmann::json's exceptions are told by their message (coil_base does not depend on the
// JSON library): "[json.exception.type_error.302] what went wrong".
constexpr std::string_view kJsonException = "[json.exception.";

// What went wrong, for a person, without nlohmann's "[json.exception.type_error.302] " code.
std::string json_reason(std::string what) {
  if (const size_t close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
  return what;
}

}  // namespace

Error::Error(std::string_view what) : std::runtime_error(printable_utf8(what)) {}

std::string printable_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F)
        append_escaped(out, b);
      else
        out += static_cast<char>(b);
      ++i;
      continue;
    }
    const size_t len = valid_sequence(text, i);
    if (len == 0) {
      append_escaped(out, b);
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

void rethrow_as_error(std::string_view source) {
  const std::string where(source);
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(where + ": not enough memory to read it");
  } catch (const std::length_error& e) {
    throw Error(where + ": a size is too large (" + e.what() + ")");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (what.starts_with(kJsonException))
      throw Error(where + ": invalid JSON: " + json_reason(what));
    throw Error(where + ": malformed content (" + what + ")");
  } catch (...) {
    throw Error(where + ": unexpected failure while reading it");
  }
}

}  // namespace coil
