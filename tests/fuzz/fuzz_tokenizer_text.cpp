// Text through the real tokenizers of Falcon (Falcon-Mamba) and GPT-NeoX (state-spaces
// mamba), read from ../shared/fixtures at run time: encoding any text with and without
// special tokens works, decoding gives valid UTF-8, and Falcon's tokenizer (byte-level, no
// normalizer) gives back exactly the valid UTF-8 text it was given, when its vocab has every
// byte of it (it lacks 28 byte symbols, such as 0x05's: those bytes are dropped, as the
// reference implementation drops them).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "coil/error.hpp"
#include "coil/tokenizer.hpp"
#include "coil/utf8.hpp"
#include "fuzz_support.hpp"
#include "tokenizer/byte_level.hpp"

namespace {

std::unique_ptr<coil::Tokenizer> load(const char* name) {
  const auto path = coil::fuzz::fixtures_dir() / "tokenizers" / name / "tokenizer.json";
  try {
    return coil::Tokenizer::load(path);
  } catch (const coil::Error& e) {
    std::fprintf(stderr, "fuzz_tokenizer_text needs the shared fixtures: %s\n", e.what());
    std::exit(77);  // ctest: skipped, for want of the fixtures
  }
}

// Whether `tok` has a token for the byte-level symbol of every byte of `text`.
bool has_every_byte(const coil::Tokenizer& tok, std::string_view text) {
  static bool known[256] = {};
  static const bool once = [&] {
    for (int b = 0; b < 256; ++b)
      known[b] = tok.token_to_id(coil::tok::bytes_to_symbols(std::string(1, char(b)))).has_value();
    return true;
  }();
  (void)once;
  for (unsigned char c : text)
    if (!known[c]) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  static const auto falcon = load("falcon");
  static const auto neox = load("gpt-neox-20b");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool exact = utf8_lossy(text) == text && has_every_byte(*falcon, text);
  for (const Tokenizer* tok : {falcon.get(), neox.get()}) {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok->encode(text, special);
      const std::string back = tok->decode(ids);
      fuzz::check_utf8(back);
      if (tok == falcon.get() && !special && exact && back != text)
        __builtin_trap();  // byte-level BPE must round-trip valid text exactly
    }
  }
  return 0;
}
