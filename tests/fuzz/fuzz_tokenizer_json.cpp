// A tokenizer.json (first part of the input) and a text (second part): the tokenizer is
// loaded; the text is encoded with and without special tokens, decoded whole and streamed
// piece by piece, and every output must be valid UTF-8.
#include <cstdint>

#include "coil/error.hpp"
#include "coil/tokenizer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto parts = fuzz::split_parts({reinterpret_cast<const char*>(data), size}, 2);
  const auto path = fuzz::write_scratch("tokenizer.json", parts[0]);
  fuzz::expect_errors([&] {
    const auto tok = Tokenizer::load(path);
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok->encode(parts[1], special);
      for (int32_t id : ids)
        if (id < 0) __builtin_trap();
      fuzz::check_utf8(tok->decode(ids, special));
      StreamingDecoder stream(*tok, special);
      std::string streamed;
      for (int32_t id : ids) streamed += stream.push(id);
      streamed += stream.flush();
      fuzz::check_utf8(streamed);
    }
    tok->decode(std::vector<int32_t>{-1, 0, tok->vocab_size(), INT32_MAX});  // unknown ids
  });
  return 0;
}
