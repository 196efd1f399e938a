// `coil serve`: an OpenAI-compatible HTTP server for one model (cpp-httplib), with the state
// cache (state_cache.hpp) so that a conversation resent in full each turn prefills only what
// is new. Endpoints: GET /v1/models, POST /v1/chat/completions, POST /v1/completions,
// GET /health, GET /metrics. Requests run one at a time on one engine thread, in arrival
// order, from a bounded queue; a request whose client goes away is cancelled.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "coil/chat.hpp"
#include "coil/model.hpp"
#include "coil/state_cache.hpp"
#include "coil/tokenizer.hpp"

namespace coil {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0: any free port (Server::port() says which)
  bool allow_remote = false;  // listening on a non-loopback address needs this and an api_key
  std::string api_key;        // empty: none asked (loopback only)
  std::string model_id;       // the id /v1/models lists; empty: the model's name
  StateCacheOptions cache;    // cache.ram_bytes 0 and no dir: no cache
  int max_queue = 16;         // requests waiting behind the running one
  int64_t max_prompt_tokens = 65536;        // longer prompts are refused (400)
  int max_completion_tokens = 4096;         // the default and the largest max_tokens
  size_t max_body_bytes = size_t(8) << 20;  // larger bodies are refused (413)
  int max_json_depth = 32;                  // deeper JSON is refused (400)
  // One line per request and the notes of the cache. Called from many threads. nullptr: silent.
  std::function<void(const std::string&)> log;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // Checks the options (a non-loopback host without allow_remote and an api_key is refused)
  // and opens the state cache. Throws coil::Error. The model and tokenizer must outlive it.
  Server(const Model& model, const Tokenizer& tokenizer, const ChatConfig& chat,
         ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address; returns the port (the chosen one for port 0). Throws coil::Error.
  int bind();
  // Serves until stop() (call bind() first). Returns when the listener has closed.
  void run();
  // Stops listening, cancels the running request and answers the queued ones 503. Any thread.
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coil
