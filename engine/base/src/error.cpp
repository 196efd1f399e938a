// coil::Error: messages made printable, and the boundary that turns what other libraries
// throw into coil::Error.
#include "coil/error.hpp"

#include <cstdio>
#include <new>
#include <stdexcept>

#include "coil/utf8.hpp"

namespace coil {
namespace {

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
    const size_t len = utf8_valid_len(text, i);
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
