// A model folder's chat files: tokenizer_config.json, generation_config.json, config.json and
// chat_template.jinja (the four parts of the input; an empty part is a missing file). The
// folder is read by ChatConfig::load; then its sampling defaults are applied and its template
// (or ChatML) rendered with its own bos and eos strings.
#include <cstdint>
#include <filesystem>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  namespace fs = std::filesystem;
  const auto parts = fuzz::split_parts({reinterpret_cast<const char*>(data), size}, 4);
  const char* const names[] = {"tokenizer_config.json", "generation_config.json", "config.json",
                               "chat_template.jinja"};
  const fs::path dir = fuzz::scratch_dir() / "chat_config";
  fs::create_directories(dir);
  for (size_t i = 0; i < 4; ++i) {
    std::error_code ec;
    fs::remove(dir / names[i], ec);
    if (!parts[i].empty()) fuzz::write_scratch(std::string("chat_config/") + names[i], parts[i]);
  }
  fuzz::expect_errors([&] {
    const ChatConfig chat = ChatConfig::load(dir);
    (void)chat.sampling();
    const ChatTemplate tmpl = chat.make_template();
    tmpl.render({{"system", "Be brief."}, {"user", "hi"}, {"assistant", "Hello."}, {"user", "?"}},
                true, chat.bos_token, chat.eos_token);
  });
  return 0;
}
