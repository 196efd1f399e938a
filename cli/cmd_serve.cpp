// coil serve --model DIR [--host 127.0.0.1] [--port 8080] [--api-key K] [--state-cache-mib N]
//            [--state-cache-dir D] [--backend B] ...
// A thin wrapper over coil::Server (server/): options, the model, the listening line on stdout
// ("coil serve: listening on http://HOST:PORT"), one log line per request on stderr, and a
// clean stop on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli_common.hpp"
#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/server.hpp"
#include "coil/tokenizer.hpp"

namespace coil::cli {
namespace {

std::string read_key_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("cannot read the API key file " + path);
  std::string key;
  std::getline(f, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\t'))
    key.pop_back();
  if (key.empty()) throw Error("the API key file " + path + " is empty");
  return key;
}

}  // namespace

void register_serve(CLI::App& app) {
  struct Args {
    ModelArgs model;
    ServerOptions server;
    std::string api_key_file, cache_dir, synthetic, tokenizer, dtype = "bf16";
    size_t cache_mib = 1024, cache_disk_mib = 4096, max_body_mib = 8;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("serve", "Serve the model over an OpenAI-compatible HTTP API");
  args->model.add_to(cmd, /*model_required=*/false);
  cmd->add_option("--synthetic", args->synthetic,
                  "Serve random weights of a published shape instead of --model (benchmarks; needs "
                  "--tokenizer)");
  cmd->add_option("--tokenizer", args->tokenizer,
                  "The tokenizer of a --synthetic model (tokenizer.json or folder)");
  cmd->add_option("--dtype", args->dtype, "Weight dtype of a --synthetic model")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}))
      ->capture_default_str();
  ServerOptions& s = args->server;
  cmd->add_option("--host", s.host, "Address to listen on (loopback unless --allow-remote)")
      ->capture_default_str();
  cmd->add_option("--port", s.port, "Port (0: any free port; the listening line says which)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_flag("--allow-remote", s.allow_remote, "Allow a non-loopback --host (needs an API key)");
  auto* key = cmd->add_option("--api-key", s.api_key, "Require 'Authorization: Bearer KEY'");
  cmd->add_option("--api-key-file", args->api_key_file,
                  "Read the API key from the first line of FILE")
      ->excludes(key);
  cmd->add_option("--model-id", s.model_id,
                  "The model id /v1/models lists (default: the model's name)");
  cmd->add_option("--state-cache-mib", args->cache_mib, "RAM for cached states, MiB (0: none)")
      ->capture_default_str();
  cmd->add_option("--state-cache-dir", args->cache_dir,
                  "Keep cached states in this folder too (reloaded at start)");
  cmd->add_option("--state-cache-disk-mib", args->cache_disk_mib,
                  "Disk budget of --state-cache-dir, MiB")
      ->capture_default_str();
  cmd->add_option("--max-queue", s.max_queue,
                  "Requests that may wait behind the running one (more: 429)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->add_option("--max-prompt-tokens", s.max_prompt_tokens, "Longest prompt accepted, in tokens")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40))
      ->capture_default_str();
  cmd->add_option("--max-completion-tokens", s.max_completion_tokens,
                  "Default and largest max_tokens")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  cmd->add_option("--max-body-mib", args->max_body_mib, "Largest request body, MiB")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->callback([args] {
    // SIGINT/SIGTERM are taken by sigwait below: block them before any thread starts, so that
    // every thread inherits the mask. A client gone mid-write must not kill the process.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    ServerOptions opt = args->server;
    if (!args->api_key_file.empty()) opt.api_key = read_key_file(args->api_key_file);
    opt.cache.ram_bytes = args->cache_mib << 20;
    opt.cache.dir = args->cache_dir;
    opt.cache.disk_bytes = args->cache_disk_mib << 20;
    opt.max_body_bytes = args->max_body_mib << 20;
    auto log_mutex = std::make_shared<std::mutex>();
    opt.log = [log_mutex](const std::string& line) {
      std::lock_guard lock(*log_mutex);
      std::cerr << "coil serve: " << line << std::endl;
    };

    if (args->synthetic.empty() == args->model.model.empty())
      throw Error("serve needs exactly one of --model DIR or --synthetic NAME");
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
    ChatConfig chat;  // a synthetic model has none: ChatML
    if (!args->synthetic.empty()) {
      if (args->tokenizer.empty())
        throw Error("--synthetic needs --tokenizer (its random weights come with none)");
      const DType dt = args->dtype == "f32"   ? DType::F32
                       : args->dtype == "f16" ? DType::F16
                                              : DType::BF16;
      model = Model::synthetic(args->synthetic, dt, args->model.options());
      tok = Tokenizer::load(args->tokenizer);
      if (tok->vocab_size() > model->config().vocab_size)
        throw Error("the tokenizer has " + std::to_string(tok->vocab_size()) +
                    " ids, more than the " + std::to_string(model->config().vocab_size) + " of " +
                    args->synthetic);
    } else {
      model = open_model(args->model);
      tok = Tokenizer::load(model->dir());
      chat = ChatConfig::load(model->dir());
    }
    Server server(*model, *tok, chat, opt);
    const int port = server.bind();
    const std::string host =
        opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host;
    std::ostringstream cache;
    if (opt.cache.ram_bytes == 0 && opt.cache.dir.empty())
      cache << "state cache off";
    else
      cache << "state cache " << args->cache_mib << " MiB"
            << (opt.cache.dir.empty() ? "" : " + " + opt.cache.dir.string());
    std::cout << "coil serve: listening on http://" << host << ":" << port << " (model "
              << (opt.model_id.empty() ? model->name() : opt.model_id) << " on "
              << model->backend().info().name << ", " << cache.str() << ")" << std::endl;
    print_pending_note(std::cerr);
    pending_note() = {};

    std::thread listener([&server] { server.run(); });
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "coil serve: stopping (" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ")"
              << std::endl;
    server.stop();
    listener.join();
  });
}

}  // namespace coil::cli
