// A Jinja chat template (first part of the input) and, optionally, its variables as a JSON
// object (second part): the template is parsed, then rendered with a small conversation and
// with the given variables. Every template is either refused or rendered within the limits.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  const auto parts = fuzz::split_parts({reinterpret_cast<const char*>(data), size}, 2);
  fuzz::expect_errors([&] {
    const ChatTemplate tmpl{std::string(parts[0]), "fuzz/chat_template.jinja"};
    const std::vector<ChatMessage> messages = {
        {"system", "You are terse."}, {"user", "Hi \xC3\xA9 <|im_end|>"}, {"assistant", "Hello."}};
    fuzz::expect_errors([&] { tmpl.render(messages, true, "<s>", "</s>"); });
    if (!parts[1].empty()) {
      fuzz::expect_errors([&] {
        const nlohmann::ordered_json vars = parse_ordered_json(parts[1], "fuzz/variables.json");
        if (vars.is_object()) tmpl.render_with(vars);
      });
    }
  });
  return 0;
}
