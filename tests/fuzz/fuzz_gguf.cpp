// A .gguf file: the header (metadata, tensor infos) parsed and checked; then, as far as the
// file allows, the config and weights bound from it, the model loaded on the reference CPU
// backend with one decode step, the tokenizer made from its metadata (encode and decode),
// and its chat template rendered.
#include <cstdint>
#include <vector>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/tokenizer.hpp"
#include "coil/weights.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto path = fuzz::write_scratch("model.gguf", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_errors([&] {
    const GgufFile file(path);
    for (const auto& [name, view] : file.tensors())
      if (view.nbytes > size) __builtin_trap();  // every tensor lies inside the file
  });
  fuzz::expect_errors([&] {
    ModelOptions options;
    options.backend = "cpu-ref";
    options.chunk_size = 4;
    auto model = Model::open(path, options);
    Session session(*model);
    std::vector<float> logits(static_cast<size_t>(model->config().vocab_size));
    const int32_t ids[] = {0, static_cast<int32_t>(model->config().vocab_size - 1)};
    session.eval(ids, logits.data());
  });
  fuzz::expect_errors([&] {
    const auto tok = Tokenizer::load(path);
    const std::vector<int32_t> ids = tok->encode("Hello <|im_end|> w\xC3\xB6rld 123", true);
    fuzz::check_utf8(tok->decode(ids));
  });
  fuzz::expect_errors([&] {
    const ChatConfig chat = ChatConfig::load(path);
    chat.make_template().render({{"user", "hi"}}, true, chat.bos_token, chat.eos_token);
  });
  return 0;
}
