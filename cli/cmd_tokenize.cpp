// coil tokenize --tokenizer FILE|DIR --text STR [--special]
// coil detokenize --tokenizer FILE|DIR --ids 1,2,3
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "coil/error.hpp"
#include "coil/tokenizer.hpp"

namespace coil::cli {

void register_tokenize(CLI::App& app) {
  struct Args {
    std::string tokenizer, text, ids;
    bool special = false;
  };
  auto args = std::make_shared<Args>();
  auto* tok = app.add_subcommand("tokenize", "Print the token ids of a text");
  tok->add_option("--tokenizer", args->tokenizer,
                  "tokenizer.json, tokenizer.model, a model folder or a .gguf file")
      ->required();
  tok->add_option("--text", args->text, "Text to tokenize")->required();
  tok->add_flag("--special", args->special,
                "Parse special tokens such as <|endoftext|> in the text");
  tok->callback([args] {
    auto t = Tokenizer::load(args->tokenizer);
    const auto ids = t->encode(args->text, args->special);
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    std::cout << line << "\n";
  });

  auto* detok = app.add_subcommand("detokenize", "Print the text of token ids");
  detok
      ->add_option("--tokenizer", args->tokenizer,
                   "tokenizer.json, tokenizer.model, a model folder or a .gguf file")
      ->required();
  detok->add_option("--ids", args->ids, "Comma-separated token ids")->required();
  detok->callback([args] {
    auto t = Tokenizer::load(args->tokenizer);
    const auto ids = parse_ids(args->ids);
    for (int32_t id : ids)
      if (id >= t->vocab_size())
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                    std::to_string(t->vocab_size() - 1) + ")");
    std::cout << t->decode(ids) << "\n";
  });
}

}  // namespace coil::cli
