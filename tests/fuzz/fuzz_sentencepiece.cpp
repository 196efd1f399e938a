// A SentencePiece tokenizer.model (first part of the input) and a text (second part): the
// model is loaded through libsentencepiece; the text is encoded with and without control
// pieces and decoded, as for tokenizer.json. libsentencepiece is a system library without
// coverage instrumentation: its error messages and the vocabulary and encoding sizes it gives
// are fed to libFuzzer as signals (fuzz::signal), so that models that get further are kept.
#include <bit>
#include <cstdint>

#include "coil/error.hpp"
#include "coil/tokenizer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto parts = fuzz::split_parts({reinterpret_cast<const char*>(data), size}, 2);
  const auto path = fuzz::write_scratch("tokenizer.model", parts[0]);
  try {
    const auto tok = Tokenizer::load(path);
    fuzz::signal(1, std::bit_width(uint64_t(tok->vocab_size())));
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok->encode(parts[1], special);
      fuzz::signal(2, std::bit_width(ids.size()) * 2 + special);
      fuzz::check_utf8(tok->decode(ids, special));
      for (int32_t id : ids) tok->token_bytes(id);
    }
    for (int32_t id = 0; id < tok->vocab_size() && id < 512; ++id)
      tok->piece_bytes(id, id % 2 == 0, id % 3 == 0);
  } catch (const Error& e) {
    fuzz::check_message(e.what());
    fuzz::report_error(e.what());
    fuzz::signal_text(3, e.what());
  }
  return 0;
}
