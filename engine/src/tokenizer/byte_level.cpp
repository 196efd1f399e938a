#include "tokenizer/byte_level.hpp"

#include <array>

#include "coil/utf8.hpp"

namespace coil::tok {
namespace {

struct Tables {
  std::array<std::string, 256> symbol;  // byte -> UTF-8 of its character
  std::array<int, 324> byte_of;         // code point -> byte, -1 if none

  Tables() {
    byte_of.fill(-1);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? static_cast<char32_t>(b) : 0x100 + extra++;
      append_utf8(symbol[b], cp);
      byte_of[cp] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

std::string bytes_to_symbols(std::string_view bytes) {
  const auto& t = tables();
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (unsigned char b : bytes) out += t.symbol[b];
  return out;
}

std::optional<std::string> symbols_to_bytes(std::string_view symbols) {
  const auto& t = tables();
  std::string out;
  out.reserve(symbols.size());
  const auto* p = reinterpret_cast<const unsigned char*>(symbols.data());
  size_t i = 0;
  while (i < symbols.size()) {
    char32_t cp;
    if (p[i] < 0x80) {
      cp = p[i];
      i += 1;
    } else if ((p[i] & 0xE0) == 0xC0 && i + 1 < symbols.size()) {
      cp = (char32_t(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
      i += 2;
    } else {
      return std::nullopt;  // 3- and 4-byte characters are never byte-level symbols
    }
    if (cp >= t.byte_of.size() || t.byte_of[cp] < 0) return std::nullopt;
    out += static_cast<char>(t.byte_of[cp]);
  }
  return out;
}

}  // namespace coil::tok
