// The HTTP side of `coil serve`: routes, authentication, OpenAI's response and error shapes,
// server-sent events. The engine side is scheduler.cpp.
#include "coil/server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include "api_request.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/utf8.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "scheduler.hpp"

namespace coil {

using json = nlohmann::json;
using server::ApiError;
using server::find_request_socket;
using server::peer_gone;

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll =
    std::chrono::milliseconds(50);  // how often a waiting handler looks at its client

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_body(const ApiError& e) {
  json err = {
      {"message", utf8_lossy(e.what())}, {"type", e.type}, {"param", nullptr}, {"code", nullptr}};
  if (!e.param.empty()) err["param"] = e.param;
  if (!e.code.empty()) err["code"] = e.code;
  return json{{"error", err}};
}

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(dump(error_body(e)), "application/json");
}

const char* finish_reason(FinishReason f) {
  return f == FinishReason::MaxTokens ? "length" : "stop";  // end of sequence or a stop string
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // the key's length is no secret worth hiding
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

// What the responses of one request share.
struct Reply {
  std::string id, model;
  int64_t created = 0;
  bool chat = true, include_usage = false;
  int64_t prompt_tokens = 0;
  std::string fingerprint;

  json envelope(bool chunk) const {
    json j = {{"id", id},
              {"object",
               chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
              {"created", created},
              {"model", model},
              {"system_fingerprint", fingerprint}};
    return j;
  }
  json usage(const server::Job& job) const {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", job.completion_tokens},
            {"total_tokens", prompt_tokens + job.completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", job.cached_tokens}}}};
  }
  json whole(const server::Job& job, const std::string& text) const {
    json j = envelope(false);
    json choice = {
        {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish_reason(job.finish)}};
    if (chat)
      choice["message"] = {{"role", "assistant"}, {"content", text}};
    else
      choice["text"] = text;
    j["choices"] = json::array({choice});
    j["usage"] = usage(job);
    return j;
  }
  // A streamed piece (text), or the last chunk (finish set).
  json chunk(const std::string& text, const char* finish, bool first = false) const {
    json j = envelope(true);
    json choice = {{"index", 0},
                   {"logprobs", nullptr},
                   {"finish_reason", finish ? json(finish) : json(nullptr)}};
    if (chat) {
      json delta = json::object();
      if (first) delta["role"] = "assistant";
      if (!finish) delta["content"] = text;
      choice["delta"] = delta;
    } else {
      choice["text"] = text;
    }
    j["choices"] = json::array({choice});
    if (include_usage) j["usage"] = nullptr;
    return j;
  }
};

std::string sse(const json& j) {
  return "data: " + dump(j) + "\n\n";
}

}  // namespace

struct Server::Impl {
  const Model& model;
  const Tokenizer& tok;
  ChatConfig chat;
  ChatTemplate tmpl;
  ServerOptions opt;
  std::string model_id, fingerprint;
  int64_t created = 0;
  std::vector<int32_t> eos_ids;
  server::Limits limits;
  server::SamplingDefaults defaults;
  server::Metrics metrics;
  StateCache cache;
  std::unique_ptr<server::Scheduler> sched;
  httplib::Server http;
  int port = -1;
  std::atomic<uint64_t> next_id{1};
  uint64_t id_salt = 0;

  Impl(const Model& m, const Tokenizer& t, const ChatConfig& c, ServerOptions o)
      : model(m),
        tok(t),
        chat(c),
        tmpl(c.make_template()),
        opt(std::move(o)),
        cache(m.fingerprint(), cache_options()) {}

  StateCacheOptions cache_options() const {
    StateCacheOptions c = opt.cache;
    if (!c.note) c.note = opt.log;
    return c;
  }
  void log(const std::string& s) const {
    if (opt.log) opt.log(s);
  }
  std::string new_id(const char* prefix) { return prefix + hex(id_salt, 16) + hex(next_id++, 8); }
  bool authorized(const httplib::Request& req) const {
    if (opt.api_key.empty()) return true;
    const std::string h = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    return h.size() > bearer.size() && h.compare(0, bearer.size(), bearer) == 0 &&
           equal_constant_time(h.substr(bearer.size()), opt.api_key);
  }

  void routes();
  bool read_body(const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& reader, std::string& body) const;
  void completions(const httplib::Request& req, const std::string& body_text,
                   httplib::Response& res, bool is_chat);
  std::vector<int32_t> prompt_tokens(const server::CompletionRequest& r) const;
  std::vector<int32_t> next_turn_tokens(const std::vector<ChatMessage>& messages,
                                        const std::string& answer) const;
  void wait_for(server::Job& job, const std::shared_ptr<server::Job>& shared, int fd,
                bool& client_gone);
  bool stream(const std::shared_ptr<server::Job>& job, int fd, const Reply& reply,
              httplib::DataSink& sink);
  void log_job(const Reply& reply, const server::Job& job, const char* outcome) const;
};

std::vector<int32_t> Server::Impl::prompt_tokens(const server::CompletionRequest& r) const {
  std::vector<int32_t> tokens;
  if (r.chat) {
    std::string text;
    try {
      text =
          tmpl.render(r.messages, /*add_generation_prompt=*/true, chat.bos_token, chat.eos_token);
    } catch (const Error& e) {
      throw ApiError(400,
                     std::string("the model's chat template refused these messages: ") + e.what(),
                     "invalid_messages", "invalid_request_error", "messages");
    }
    tokens = tok.encode(text, /*parse_special=*/true);
  } else if (r.prompt_text) {
    tokens = tok.encode(*r.prompt_text, /*parse_special=*/true);
  } else {
    tokens = r.prompt_ids;
  }
  if (tokens.empty() && chat.bos_token_id)
    tokens.push_back(static_cast<int32_t>(*chat.bos_token_id));
  if (tokens.empty())
    throw ApiError(400, "the prompt is empty", "invalid_value", "invalid_request_error",
                   r.chat ? "messages" : "prompt");
  if (static_cast<int64_t>(tokens.size()) > opt.max_prompt_tokens)
    throw ApiError(400,
                   "the prompt is " + std::to_string(tokens.size()) +
                       " tokens long: this server allows at most " +
                       std::to_string(opt.max_prompt_tokens) + " (coil serve --max-prompt-tokens)",
                   "context_length_exceeded", "invalid_request_error",
                   r.chat ? "messages" : "prompt");
  return tokens;
}

// What every next turn starts with: the conversation with this answer and a user message after
// it, up to where the user's text begins. How that boundary tokenizes can depend on the text,
// so three different openings are compared. Empty when the template will not render it.
std::vector<int32_t> Server::Impl::next_turn_tokens(const std::vector<ChatMessage>& messages,
                                                    const std::string& answer) const {
  std::vector<int32_t> common;
  bool first = true;
  for (const char* opening : {"a", "1", "\n"}) {
    auto next = messages;
    next.push_back({"assistant", answer});
    next.push_back({"user", opening});
    std::vector<int32_t> ids;
    try {
      ids = tok.encode(tmpl.render(next, true, chat.bos_token, chat.eos_token), true);
    } catch (const Error&) {
      return {};
    }
    if (first)
      common = std::move(ids);
    else
      common.erase(std::mismatch(common.begin(), common.end(), ids.begin(), ids.end()).first,
                   common.end());
    first = false;
  }
  return common;
}

void Server::Impl::log_job(const Reply& reply, const server::Job& job, const char* outcome) const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%s %s: prompt %lld (cached %lld), completion %lld, queue %.1f ms, prefill %.1f ms, "
      "first token %.1f ms, total %.1f ms",
      reply.id.c_str(), outcome, static_cast<long long>(reply.prompt_tokens),
      static_cast<long long>(job.cached_tokens), static_cast<long long>(job.completion_tokens),
      job.queue_ms, job.prefill_ms, job.first_token_ms, job.total_ms);
  log(buf);
}

// Waits for a non-streamed job, cancelling it as soon as its client goes away.
void Server::Impl::wait_for(server::Job& job, const std::shared_ptr<server::Job>& shared, int fd,
                            bool& client_gone) {
  std::unique_lock lock(job.mu);
  while (!job.done) {
    job.cv.wait_for(lock, kPoll);
    if (!job.done && !client_gone && peer_gone(fd)) {
      client_gone = true;
      lock.unlock();
      sched->cancel(shared);
      lock.lock();
    }
  }
}

// Streams a job as server-sent events; false when the client went away (the job is cancelled).
bool Server::Impl::stream(const std::shared_ptr<server::Job>& job, int fd, const Reply& reply,
                          httplib::DataSink& sink) {
  bool gone = false;
  auto send = [&](const std::string& s) {
    if (!gone && !sink.write(s.data(), s.size())) gone = true;
    return !gone;
  };
  if (reply.chat) send(sse(reply.chunk("", nullptr, /*first=*/true)));
  while (!gone) {
    std::string piece;
    bool done;
    {
      std::unique_lock lock(job->mu);
      job->cv.wait_for(lock, kPoll, [&] { return !job->text.empty() || job->done; });
      piece.swap(job->text);
      done = job->done;
    }
    if (!piece.empty())
      send(sse(reply.chunk(piece, nullptr)));
    else if (!done && peer_gone(fd))
      gone = true;
    if (done) break;
  }
  if (gone) {
    sched->cancel(job);
    bool ignored = true;
    wait_for(*job, job, -1, ignored);
    metrics.cancelled++;
    log_job(reply, *job, "cancelled (client gone)");
    return false;
  }
  if (job->shut_down || !job->error.empty()) {
    const ApiError e = job->shut_down ? ApiError(503, "the server is shutting down",
                                                 "shutting_down", "server_unavailable")
                                      : ApiError(500, "generation failed: " + job->error,
                                                 "generation_failed", "server_error");
    send(sse(error_body(e)));
    log_job(reply, *job, job->shut_down ? "stopped (shutting down)" : "failed");
  } else {
    send(sse(reply.chunk("", finish_reason(job->finish))));
    if (reply.include_usage) {
      json u = reply.envelope(true);
      u["choices"] = json::array();
      u["usage"] = reply.usage(*job);
      send(sse(u));
    }
    log_job(reply, *job, finish_reason(job->finish));
  }
  send("data: [DONE]\n\n");
  if (gone) return false;
  sink.done();
  return true;
}

// Reads the body as it is, whatever its Content-Type says (curl -d sends JSON as a form, which
// cpp-httplib would otherwise refuse past 8 KiB), within max_body_bytes.
bool Server::Impl::read_body(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& reader, std::string& body) const {
  if (req.is_multipart_form_data()) {
    send_error(res, ApiError(415, "send the request as JSON, not as multipart form data",
                             "unsupported_media_type"));
    return false;
  }
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (n > opt.max_body_bytes - body.size()) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (ok && !too_large) return true;
  if (too_large || res.status == 413)
    send_error(res, ApiError(413,
                             "the request body is larger than " +
                                 std::to_string(opt.max_body_bytes) + " bytes",
                             "request_too_large"));
  else
    send_error(res, ApiError(400, "the request body could not be read", "bad_request"));
  return false;
}

void Server::Impl::completions(const httplib::Request& req, const std::string& body_text,
                               httplib::Response& res, bool is_chat) {
  try {
    const json body = server::parse_body(body_text, opt.max_json_depth);
    const server::CompletionRequest r =
        is_chat ? server::parse_chat_request(body, limits, defaults)
                : server::parse_completion_request(body, limits, defaults);
    auto job = std::make_shared<server::Job>();
    job->tokens = prompt_tokens(r);
    job->gen = r.gen;
    if (!r.ignore_eos) job->gen.eos_ids = eos_ids;
    if (is_chat) {
      job->follow_up = [this, messages = r.messages](const std::string& answer) {
        return next_turn_tokens(messages, answer);
      };
    } else if (r.prompt_text) {
      job->follow_up = [this, prompt = *r.prompt_text](const std::string& answer) {
        return tok.encode(prompt + answer, true);
      };
    }

    Reply reply;
    reply.id = new_id(is_chat ? "chatcmpl-" : "cmpl-");
    reply.model = model_id;
    reply.created = static_cast<int64_t>(std::time(nullptr));
    reply.chat = is_chat;
    reply.include_usage = r.stream && r.include_usage;
    reply.prompt_tokens = static_cast<int64_t>(job->tokens.size());
    reply.fingerprint = fingerprint;

    switch (sched->submit(job)) {
      case server::Scheduler::Admit::Queued:
        break;
      case server::Scheduler::Admit::Full:
        metrics.rejected_queue_full++;
        throw ApiError(429,
                       "the server is busy: " + std::to_string(opt.max_queue) +
                           " requests are already waiting for the model; try again later",
                       "queue_full", "server_busy");
      case server::Scheduler::Admit::Closed:
        throw ApiError(503, "the server is shutting down", "shutting_down", "server_unavailable");
    }
    const int fd = find_request_socket(req);
    if (r.stream) {
      res.status = 200;
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Accel-Buffering", "no");
      res.set_chunked_content_provider(
          "text/event-stream",
          [this, job, fd, reply](size_t, httplib::DataSink& sink) {
            return stream(job, fd, reply, sink);
          },
          [this, job](bool) { sched->cancel(job); });  // a response never written cancels its job
      return;
    }
    bool client_gone = false;
    wait_for(*job, job, fd, client_gone);
    if (client_gone) {
      metrics.cancelled++;
      log_job(reply, *job, "cancelled (client gone)");
      res.status = 499;  // nobody reads it
      return;
    }
    if (job->shut_down)
      throw ApiError(503, "the server is shutting down", "shutting_down", "server_unavailable");
    if (!job->error.empty())
      throw ApiError(500, "generation failed: " + job->error, "generation_failed", "server_error");
    std::string text;
    {
      std::lock_guard lock(job->mu);
      text.swap(job->text);
    }
    log_job(reply, *job, finish_reason(job->finish));
    res.set_content(dump(reply.whole(*job, text)), "application/json");
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const std::exception& e) {
    send_error(res, ApiError(500, std::string("internal error: ") + e.what(), "internal_error",
                             "server_error"));
  }
}

void Server::Impl::routes() {
  // Every endpoint but /health needs the key, when there is one.
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/health" || authorized(req))
      return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, ApiError(401,
                             req.has_header("Authorization")
                                 ? "incorrect API key"
                                 : "an API key is required (Authorization: Bearer KEY)",
                             "invalid_api_key"));
    res.set_header("WWW-Authenticate", "Bearer");
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump({{"status", "ok"}, {"model", model_id}, {"queue", sched->queued()}}),
                    "application/json");
  });
  auto model_object = [this] {
    return json{{"id", model_id}, {"object", "model"}, {"created", created}, {"owned_by", "coil"}};
  };
  http.Get("/v1/models", [model_object](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump({{"object", "list"}, {"data", json::array({model_object()})}}),
                    "application/json");
  });
  http.Get(R"(/v1/models/(.+))", [this, model_object](const httplib::Request& req,
                                                      httplib::Response& res) {
    if (req.matches[1] == model_id)
      return res.set_content(dump(model_object()), "application/json");
    send_error(res, ApiError(404,
                             "no model '" + utf8_lossy(std::string(req.matches[1]).substr(0, 200)) +
                                 "' here: this server serves '" + model_id + "'",
                             "model_not_found"));
  });
  for (const bool is_chat : {true, false})
    http.Post(is_chat ? "/v1/chat/completions" : "/v1/completions",
              [this, is_chat](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& reader) {
                std::string body;
                if (read_body(req, res, reader, body)) completions(req, body, res, is_chat);
              });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    server::Metrics::Gauges g;
    g.queued = sched->queued();
    g.running = sched->running() ? 1 : 0;
    g.cache = cache.stats();
    res.set_content(metrics.prometheus(g), "text/plain; version=0.0.4");
  });
  // Errors cpp-httplib answers by itself (no route, body too large, malformed request) get
  // OpenAI's error body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg;
    std::string code;
    switch (res.status) {
      case 404:
        msg = "no such endpoint: " + req.method + " " + req.path.substr(0, 200);
        code = "not_found";
        break;
      case 413:
        msg = "the request body is larger than " + std::to_string(opt.max_body_bytes) + " bytes";
        code = "request_too_large";
        break;
      default:
        msg = "the HTTP request could not be handled (status " + std::to_string(res.status) + ")";
        code = "bad_request";
    }
    send_error(res, ApiError(res.status, utf8_lossy(msg), code));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, ApiError(500, "internal error", "internal_error", "server_error"));
      });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    static const char* known[] = {"/v1/chat/completions", "/v1/completions", "/v1/models",
                                  "/health", "/metrics"};
    std::string endpoint = "other";
    for (const char* k : known)
      if (req.path == k) endpoint = k;
    if (req.path.starts_with("/v1/models/")) endpoint = "/v1/models";
    metrics.count_request(endpoint, res.status);
  });
}

Server::Server(const Model& model, const Tokenizer& tok, const ChatConfig& chat,
               ServerOptions options) {
  if (!is_loopback_host(options.host)) {
    if (!options.allow_remote)
      throw Error("refusing to listen on " + options.host +
                  ": it is not a loopback address, so anyone who can reach this machine could use "
                  "the model "
                  "(pass --allow-remote together with --api-key to do it)");
    if (options.api_key.empty())
      throw Error("listening on " + options.host +
                  " (not loopback) needs an API key: pass --api-key or --api-key-file");
  }
  if (options.max_queue < 0) throw Error("the queue size cannot be negative");
  if (options.max_prompt_tokens < 1 || options.max_completion_tokens < 1)
    throw Error("the prompt and completion limits must be at least 1 token");
  impl_ = std::make_unique<Impl>(model, tok, chat, std::move(options));
  Impl& d = *impl_;
  d.model_id = d.opt.model_id.empty() ? model.name() : d.opt.model_id;
  d.fingerprint = "coil-" + hex(model.fingerprint(), 16);
  d.created = static_cast<int64_t>(std::time(nullptr));
  d.eos_ids = chat_eos_ids(chat, tok);
  d.limits.max_completion_tokens = d.opt.max_completion_tokens;
  d.limits.max_json_depth = d.opt.max_json_depth;
  d.limits.vocab_size = static_cast<int32_t>(model.config().vocab_size);
  d.defaults = server::SamplingDefaults::from(chat);
  d.id_salt = std::random_device{}() * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(d.created);
  d.sched = std::make_unique<server::Scheduler>(model, tok, d.cache, d.metrics,
                                                static_cast<size_t>(d.opt.max_queue));
  // A thread per connection being served: the running request, the waiting ones, and a few
  // for /health, /metrics and the refusals.
  const size_t threads = static_cast<size_t>(d.opt.max_queue) + 8;
  d.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  d.http.set_payload_max_length(d.opt.max_body_bytes);
  // cpp-httplib's default sets SO_REUSEPORT, with which a second server on the same port would
  // bind too and silently take half the connections: SO_REUSEADDR only (a restart may still
  // bind while old connections linger in TIME_WAIT).
  d.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  d.http.set_keep_alive_max_count(100);
  d.routes();
}

Server::~Server() {
  stop();
}

int Server::bind() {
  Impl& d = *impl_;
  errno = 0;
  if (d.opt.port == 0) {
    d.port = d.http.bind_to_any_port(d.opt.host);
    if (d.port < 0) d.port = -1;
  } else if (d.http.bind_to_port(d.opt.host, d.opt.port)) {
    d.port = d.opt.port;
  }
  if (d.port <= 0) {
    const std::string why = errno ? std::strerror(errno) : "the address cannot be used";
    throw Error("cannot listen on " + d.opt.host + ":" + std::to_string(d.opt.port) + ": " + why);
  }
  return d.port;
}

void Server::run() {
  impl_->http.listen_after_bind();
}

void Server::stop() {
  if (!impl_) return;
  impl_->sched->shutdown();
  impl_->http.stop();
}

int Server::port() const {
  return impl_->port;
}

}  // namespace coil
