// coil generate --model DIR --prompt STR [-n N] [--temp T --top-k K --top-p P --min-p M
//               --seed S] [--chat]
// coil chat --model DIR   (interactive; the conversation's state is kept between turns)
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "coil/chat.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/generator.hpp"
#include "coil/state.hpp"

namespace coil::cli {
namespace {

// Sampling options: the model's generation_config.json gives the defaults (greedy where it
// says "do_sample": false, its max_new_tokens), and each option given on the command line
// overrides its own setting.
struct SamplingArgs {
  SamplingParams p;
  int max_tokens = 256;
  std::vector<std::string> stops;
  std::vector<CLI::Option*> given;  // the sampling options, to know which were typed
  CLI::Option* max_tokens_opt = nullptr;
  void add_to(CLI::App* cmd) {
    max_tokens_opt = cmd->add_option("-n,--max-tokens", max_tokens,
                                     "Maximum tokens to generate (default: the model's "
                                     "max_new_tokens, else 256)")
                         ->check(CLI::Range(1, 1 << 24));
    given = {
        cmd->add_option("--temp", p.temperature, "Temperature (0 = greedy)")
            ->check(CLI::Range(0.0, 100.0)),
        cmd->add_option("--top-k", p.top_k, "Top-k (0 = off)"),
        cmd->add_option("--top-p", p.top_p, "Top-p (1 = off)")->check(CLI::Range(0.0, 1.0)),
        cmd->add_option("--min-p", p.min_p, "Min-p (0 = off)")->check(CLI::Range(0.0, 1.0)),
        cmd->add_option("--repeat-penalty", p.repetition_penalty, "Repetition penalty (1 = off)"),
    };
    cmd->add_option("--seed", p.seed, "Random seed (0 = random)");
    cmd->add_option("--stop", stops, "Stop string (repeatable)");
    cmd->footer(
        "Sampling defaults come from the model's generation_config.json (\"do_sample\": "
        "false is greedy); options given here override them.");
  }
  GenerateOptions options(const ChatConfig& cfg) const {
    GenerateOptions o;
    o.sampling = cfg.sampling(SamplingParams{});
    o.sampling.seed = p.seed;
    if (given[0]->count()) o.sampling.temperature = p.temperature;
    if (given[1]->count()) o.sampling.top_k = p.top_k;
    if (given[2]->count()) o.sampling.top_p = p.top_p;
    if (given[3]->count()) o.sampling.min_p = p.min_p;
    if (given[4]->count()) o.sampling.repetition_penalty = p.repetition_penalty;
    o.max_tokens = max_tokens;
    if (!max_tokens_opt->count() && cfg.max_new_tokens)
      o.max_tokens = static_cast<int>(std::min<int64_t>(*cfg.max_new_tokens, 1 << 24));
    o.stop_strings = stops;
    return o;
  }
};

bool print_piece(std::string_view s) {
  std::cout << s << std::flush;
  return true;
}

}  // namespace

void register_generate(CLI::App& app) {
  struct Args {
    ModelArgs model;
    SamplingArgs sampling;
    std::string prompt, system;
    bool chat = false, stats = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("generate", "Generate text from a prompt");
  args->model.add_to(cmd);
  args->sampling.add_to(cmd);
  cmd->add_option("--prompt", args->prompt, "The prompt")->required();
  cmd->add_flag("--chat", args->chat, "Wrap the prompt in the model's chat template");
  cmd->add_option("--system", args->system, "System prompt (with --chat)");
  cmd->add_flag("--stats", args->stats, "Print timing statistics on stderr");
  cmd->callback([args] {
    auto model = open_model(args->model);
    auto tok = Tokenizer::load(model->dir());
    const auto cfg = ChatConfig::load(model->dir());
    GenerateResult r;
    if (args->chat) {
      ChatSession chat(*model, *tok, cfg);
      std::vector<ChatMessage> msgs;
      if (!args->system.empty()) msgs.push_back({"system", args->system});
      msgs.push_back({"user", args->prompt});
      r = chat.reply(msgs, args->sampling.options(cfg), print_piece);
    } else {
      Session session(*model);
      auto ids = tok->encode(args->prompt, false);
      if (cfg.bos_token_id && ids.empty()) ids.push_back(static_cast<int32_t>(*cfg.bos_token_id));
      auto opts = args->sampling.options(cfg);
      for (int64_t e : cfg.eos_token_ids) opts.eos_ids.push_back(static_cast<int32_t>(e));
      r = generate(session, *tok, ids, opts, print_piece);
    }
    std::cout << "\n";
    // An instruct model given raw text often ends at once: say what to do rather than
    // leave an empty line.
    if (!args->chat && r.text.find_first_not_of(" \t\r\n") == std::string::npos)
      std::cerr << (cfg.chat_template
                        ? "note: no text came out. This is a chat (instruct) model: add --chat "
                          "to wrap the prompt in its chat template.\n"
                        : "note: no text came out (the model ended the text at once).\n");
    if (args->stats) {
      const double tps = r.tokens.size() > 1 ? (r.tokens.size() - 1) * 1000.0 / r.decode_ms : 0;
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f", tps);
      std::cerr << "prompt " << r.prompt_tokens << " tokens in " << format_ms(r.prefill_ms) << "; "
                << r.tokens.size() << " tokens generated, " << rate
                << " tokens/s; finish: " << finish_reason_name(r.finish) << "; seed " << r.seed
                << "\n";
    }
  });
}

void register_chat(CLI::App& app) {
  struct Args {
    ModelArgs model;
    SamplingArgs sampling;
    std::string system, state_file;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("chat", "Interactive chat in the terminal (/reset, /quit)");
  args->model.add_to(cmd);
  args->sampling.add_to(cmd);
  cmd->add_option("--system", args->system, "System prompt");
  cmd->callback([args] {
    auto model = open_model(args->model);
    auto tok = Tokenizer::load(model->dir());
    const auto cfg = ChatConfig::load(model->dir());
    const GenerateOptions options = args->sampling.options(cfg);
    ChatSession chat(*model, *tok, cfg);
    std::vector<ChatMessage> msgs;
    if (!args->system.empty()) msgs.push_back({"system", args->system});
    std::cerr << "coil chat: " << model->name() << " on " << model->backend().info().device
              << ". /reset starts over, /quit or Ctrl-D ends.\n";
    std::string line;
    while (true) {
      std::cout << "> " << std::flush;
      if (!std::getline(std::cin, line) || line == "/quit") break;
      if (line.empty()) continue;
      if (line == "/reset") {
        msgs.resize(args->system.empty() ? 0 : 1);
        chat.reset();
        continue;
      }
      msgs.push_back({"user", line});
      auto r = chat.reply(msgs, options, print_piece);
      std::cout << "\n";
      msgs.push_back({"assistant", r.text});
      std::cerr << "[" << chat.last_prefill_tokens() << " tokens prefilled, " << r.tokens.size()
                << " generated]\n";
    }
  });
}

}  // namespace coil::cli
