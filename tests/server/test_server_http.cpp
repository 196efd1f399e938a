// coil::Server over raw HTTP (cpp-httplib's client and plain sockets), on 127.0.0.1 port 0 with
// the demo model: OpenAI's error shapes and statuses for hostile bodies, the API key, clients
// that go away (streaming, waiting, queued), and a stop with requests in flight.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "api_request.hpp"
#include "coil/error.hpp"
#include "coil/server.hpp"
#include "coil/utf8.hpp"
#include "options.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

const fs::path kDemo = fs::path(COIL_SOURCE_DIR) / "resources/models/coil-demo";

struct Demo {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tok;
  ChatConfig chat;
  Demo() {
    ModelOptions o = test::options();
    o.backend = "cpu";
    o.backend_options.threads = 1;
    model = Model::open(kDemo, o);
    tok = Tokenizer::load(kDemo);
    chat = ChatConfig::load(kDemo);
  }
};
const Demo& demo() {
  static Demo d;
  return d;
}

// A Server on 127.0.0.1, an OS-chosen port, served by a thread of its own.
struct Running {
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;
  explicit Running(ServerOptions o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<Server>(*demo().model, *demo().tok, demo().chat, o);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
  }
  ~Running() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120);
    return c;
  }
  std::map<std::string, double> metrics() const {
    auto r = client().Get("/metrics");
    std::map<std::string, double> m;
    if (!r || r->status != 200) return m;
    std::istringstream in(r->body);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#')
        m[line.substr(0, line.rfind(' '))] = std::stod(line.substr(line.rfind(' ') + 1));
    return m;
  }
  // Waits (bounded) until a metric reaches a value.
  bool wait_metric(const std::string& name, double value) const {
    for (int i = 0; i < 1500; ++i) {
      if (metrics()[name] == value) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

// A raw connection: writes a request, reads what comes, closes when destroyed.
struct RawClient {
  int fd = -1;
  explicit RawClient(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "connect";
  }
  ~RawClient() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void post(const std::string& path, const std::string& body) {
    const std::string req =
        "POST " + path +
        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  }
  // Reads until `needle` has been seen `times` times (or the connection ends).
  std::string read_until(const std::string& needle, int times) {
    std::string got;
    char buf[4096];
    auto count = [&] {
      int n = 0;
      for (size_t p = got.find(needle); p != std::string::npos; p = got.find(needle, p + 1)) ++n;
      return n;
    };
    while (count() < times) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

const std::string kHello = R"({"role":"user","content":"Hello"})";

std::string long_stream(bool stream) {
  return R"({"prompt":"<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n","temperature":0,"ignore_eos":true,"max_tokens":1000000,"stream":)" +
         std::string(stream ? "true" : "false") + "}";
}

ServerOptions long_runs() {
  ServerOptions o;
  o.max_completion_tokens = 1000000;
  return o;
}

// The error object of a response: the status, then error.code and error.param.
void expect_error(const httplib::Result& r, int status, const std::string& code,
                  const std::string& param = "") {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  ASSERT_TRUE(j.contains("error")) << r->body;
  const json& e = j["error"];
  EXPECT_EQ(e.value("code", json()).get<std::string>(), code) << r->body;
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty());
  EXPECT_EQ(utf8_lossy(e["message"].get<std::string>()), e["message"].get<std::string>());
  EXPECT_TRUE(e["type"].is_string());
  if (!param.empty()) {
    EXPECT_EQ(e["param"], param) << r->body;
  }
}

TEST(ServerApi, ValidUtf8ReplacesEachIllFormedPart) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(utf8_lossy("plain \xC3\xA9 \xF0\x9F\x98\x80"), "plain \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(utf8_lossy("a\xFF"
                       "b"),
            "a" + r + "b");
  EXPECT_EQ(utf8_lossy("\xE2\x82"), r);                      // truncated: one part
  EXPECT_EQ(utf8_lossy("\xC0\xAF"), r + r);                  // overlong
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(utf8_lossy("\xF4\x90\x80\x80"), r + r + r + r);  // beyond U+10FFFF
}

TEST(ServerHttp, HostileChatBodiesGetOpenAIErrors) {
  ServerOptions o;
  o.max_prompt_tokens = 40;
  o.max_completion_tokens = 100;
  Running s(o);
  auto c = s.client();
  const std::string msgs = R"("messages":[)" + kHello + "]";
  struct Case {
    std::string body;
    int status;
    std::string code, param;
  };
  const std::vector<Case> cases = {
      {"", 400, "invalid_json", ""},
      {"{\"messages\": [", 400, "invalid_json", ""},
      {"{\"messages\": \"\xff\xfe\xc0\"}", 400, "invalid_json", ""},  // invalid UTF-8
      {"[]", 400, "invalid_json", ""},
      {std::string(5000, '[') + std::string(5000, ']'), 400, "json_too_deep", ""},
      {"{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}", 400, "json_too_deep", ""},
      {"{}", 400, "missing_required_parameter", "messages"},
      {R"({"messages": 3})", 400, "invalid_type", "messages"},
      {R"({"messages": []})", 400, "invalid_value", "messages"},
      {R"({"messages": [3]})", 400, "invalid_type", "messages[0]"},
      {R"({"messages": [{"role":"tool","content":"x"}]})", 400, "invalid_value",
       "messages[0].role"},
      {R"({"messages": [{"role":"user"}]})", 400, "missing_required_parameter",
       "messages[0].content"},
      {R"({"messages": [{"role":"user","content":[{"type":"image_url"}]}]})", 400,
       "unsupported_content", "messages[0].content"},
      {"{" + msgs + R"(,"temperature":"hot"})", 400, "invalid_type", "temperature"},
      {"{" + msgs + R"(,"temperature":3})", 400, "invalid_value", "temperature"},
      {"{" + msgs + R"(,"top_p":1.5})", 400, "invalid_value", "top_p"},
      {"{" + msgs + R"(,"top_k":-1})", 400, "invalid_value", "top_k"},
      {"{" + msgs + R"(,"min_p":"a"})", 400, "invalid_type", "min_p"},
      {"{" + msgs + R"(,"seed":1.5})", 400, "invalid_type", "seed"},
      {"{" + msgs + R"(,"seed":18446744073709551615})", 400, "invalid_value", "seed"},
      {"{" + msgs + R"(,"stop":5})", 400, "invalid_type", "stop"},
      {"{" + msgs + R"(,"stop":["a",1]})", 400, "invalid_type", "stop"},
      {"{" + msgs + R"(,"n":2})", 400, "invalid_value", "n"},
      {"{" + msgs + R"(,"max_tokens":0})", 400, "invalid_value", "max_tokens"},
      {"{" + msgs + R"(,"max_tokens":101})", 400, "invalid_value", "max_tokens"},
      {"{" + msgs + R"(,"max_completion_tokens":"9"})", 400, "invalid_type",
       "max_completion_tokens"},
      {"{" + msgs + R"(,"stream":1})", 400, "invalid_type", "stream"},
      {"{" + msgs + R"(,"stream_options":{"include_usage":"yes"}})", 400, "invalid_type",
       "include_usage"},
      {"{" + msgs + R"(,"logprobs":true})", 400, "unsupported_parameter", "logprobs"},
      {"{" + msgs + R"(,"tools":[{"type":"function"}]})", 400, "unsupported_parameter", "tools"},
      {"{" + msgs + R"(,"response_format":{"type":"json_object"}})", 400, "unsupported_parameter",
       "response_format"},
      {"{" + msgs + R"(,"presence_penalty":0.5})", 400, "unsupported_parameter",
       "presence_penalty"},
      {"{" + msgs + R"(,"model":7})", 400, "invalid_type", "model"},
      {R"({"messages":[{"role":"user","content":")" + std::string(400, 'x') + "\"}]}", 400,
       "context_length_exceeded", "messages"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.body.substr(0, 120));
    expect_error(c.Post("/v1/chat/completions", k.body, "application/json"), k.status, k.code,
                 k.param);
  }
  // the same request at its "off" values and limits is accepted
  auto ok = c.Post(
      "/v1/chat/completions",
      "{" + msgs +
          R"(,"presence_penalty":0,"logprobs":false,"tools":[],"n":1,"max_tokens":100,"model":"any","stop":null,"seed":0})",
      "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(s.metrics()["coil_requests_total{endpoint=\"/v1/chat/completions\",status=\"400\"}"],
            cases.size());
}

TEST(ServerHttp, HostileCompletionBodiesGetOpenAIErrors) {
  Running s;
  auto c = s.client();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {R"({})", "missing_required_parameter", "prompt"},
      {R"({"prompt":5})", "invalid_type", "prompt"},
      {R"({"prompt":["a","b"]})", "invalid_type", "prompt"},
      {R"({"prompt":[1, 512]})", "invalid_value", "prompt"},
      {R"({"prompt":[1, -1]})", "invalid_value", "prompt"},
      {R"({"prompt":[1, "a"]})", "invalid_type", "prompt"},
      {R"({"prompt":"x","echo":true})", "unsupported_parameter", "echo"},
      {R"({"prompt":"x","best_of":3})", "unsupported_parameter", "best_of"},
      {R"({"prompt":"x","logprobs":2})", "unsupported_parameter", "logprobs"},
  };
  for (const auto& [body, code, param] : cases) {
    SCOPED_TRACE(body);
    expect_error(c.Post("/v1/completions", body, "application/json"), 400, code, param);
  }
  auto ok =
      c.Post("/v1/completions", R"({"prompt":[1, 300, 5],"max_tokens":3})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(json::parse(ok->body)["usage"]["prompt_tokens"], 3);
}

TEST(ServerHttp, BodiesTooLargeAndUnknownEndpoints) {
  ServerOptions o;
  o.max_body_bytes = 64 << 10;
  Running s(o);
  auto c = s.client();
  const std::string big = R"({"prompt":")" + std::string(70 << 10, 'x') + "\"}";
  expect_error(c.Post("/v1/completions", big, "application/json"), 413, "request_too_large");
  // as `curl -d` sends it (a form), the same limit and nothing smaller
  expect_error(c.Post("/v1/completions", big, "application/x-www-form-urlencoded"), 413,
               "request_too_large");
  const std::string medium =
      R"({"prompt":"hi","max_tokens":1)" + std::string(20 << 10, ' ') + "}";  // > 8 KiB
  auto r = c.Post("/v1/completions", medium, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  expect_error(c.Get("/v1/nothing"), 404, "not_found");
  expect_error(c.Post("/v1/embeddings", "{}", "application/json"), 404, "not_found");
  expect_error(c.Get("/v1/models/gpt-4"), 404, "model_not_found");
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
}

TEST(ServerHttp, TheApiKeyGuardsEverythingButHealth) {
  ServerOptions o;
  o.api_key = "k3y";
  Running s(o);
  auto c = s.client();
  expect_error(c.Get("/v1/models"), 401, "invalid_api_key");
  expect_error(c.Get("/metrics"), 401, "invalid_api_key");
  expect_error(c.Post("/v1/chat/completions", "{}", "application/json"), 401, "invalid_api_key");
  c.set_bearer_token_auth("k3y-not");
  expect_error(c.Get("/v1/models"), 401, "invalid_api_key");
  c.set_bearer_token_auth("k3");
  expect_error(c.Get("/v1/models"), 401, "invalid_api_key");
  auto h = s.client().Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  c.set_bearer_token_auth("k3y");
  auto m = c.Get("/v1/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(json::parse(m->body)["data"][0]["id"], "coil-demo");
}

TEST(ServerHttp, ANonLoopbackHostNeedsTheFlagAndAKey) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("192.168.1.2"));
  EXPECT_FALSE(is_loopback_host("example.org"));
  ServerOptions o;
  o.host = "0.0.0.0";
  EXPECT_THROW(Server(*demo().model, *demo().tok, demo().chat, o), Error);
  o.allow_remote = true;
  EXPECT_THROW(Server(*demo().model, *demo().tok, demo().chat, o), Error);
  o.api_key = "k";
  EXPECT_NO_THROW(Server(*demo().model, *demo().tok, demo().chat, o));
}

TEST(ServerHttp, APortInUseIsRefused) {
  Running s;
  ServerOptions o;
  o.port = s.port;
  Server second(*demo().model, *demo().tok, demo().chat, o);
  try {
    second.bind();
    ADD_FAILURE() << "a second server bound port " << s.port;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(s.port)),
              std::string::npos)
        << e.what();
  }
}

// Greedy text of a short request, for comparing servers.
std::string greedy(const Running& s, int tokens) {
  auto r = s.client().Post(
      "/v1/completions",
      R"({"prompt":"<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n","temperature":0,"ignore_eos":true,"max_tokens":)" +
          std::to_string(tokens) + "}",
      "application/json");
  if (!r || r->status != 200) return "failed";
  return json::parse(r->body)["choices"][0]["text"];
}

TEST(ServerHttp, AClientGoneMidStreamIsCancelledAtOnceAndTheCacheStaysRight) {
  Running s(long_runs());
  {
    RawClient raw(s.port);
    raw.post("/v1/completions", long_stream(true));
    const std::string got = raw.read_until("data: ", 5);
    EXPECT_NE(got.find("text/event-stream"), std::string::npos) << got;
  }  // closed mid-stream
  ASSERT_TRUE(s.wait_metric("coil_requests_cancelled_total", 1));
  ASSERT_TRUE(s.wait_metric("coil_requests_running", 0));
  const double generated = s.metrics()["coil_completion_tokens_total"];
  EXPECT_LT(generated, 1000000);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(s.metrics()["coil_completion_tokens_total"], generated);  // it really stopped
  // the states the cancelled request left behind give what a cache-off server gives
  ServerOptions off;
  off.cache.ram_bytes = 0;
  Running fresh(off);
  EXPECT_EQ(greedy(s, 40), greedy(fresh, 40));
  EXPECT_GT(s.metrics()["coil_prefill_tokens_saved_total"], 0);
}

TEST(ServerHttp, AClientGoneWhileWaitingOrQueuedIsCancelled) {
  Running s(long_runs());
  RawClient running(s.port);
  running.post("/v1/completions",
               long_stream(false));  // not streamed: nothing comes back until the end
  ASSERT_TRUE(s.wait_metric("coil_requests_running", 1));
  {
    RawClient queued(s.port);
    queued.post("/v1/completions", long_stream(false));
    ASSERT_TRUE(s.wait_metric("coil_queue_length", 1));
  }  // gone while queued: it leaves the queue
  ASSERT_TRUE(s.wait_metric("coil_queue_length", 0));
  ASSERT_TRUE(s.wait_metric("coil_requests_cancelled_total", 1));
  EXPECT_EQ(s.metrics()["coil_requests_running"], 1);
  running.close();  // gone while its answer is generated
  ASSERT_TRUE(s.wait_metric("coil_requests_cancelled_total", 2));
  ASSERT_TRUE(s.wait_metric("coil_requests_running", 0));
  EXPECT_NE(greedy(s, 5), "failed");  // and the model is free again
}

TEST(ServerHttp, StoppingAnswersTheRequestsInFlight) {
  auto s = std::make_unique<Running>(long_runs());
  std::optional<httplib::Result> waiting, queued;
  std::thread a([&] {
    waiting = s->client().Post("/v1/completions", long_stream(false), "application/json");
  });
  ASSERT_TRUE(s->wait_metric("coil_requests_running", 1));
  std::thread b([&] {
    queued = s->client().Post("/v1/completions", long_stream(false), "application/json");
  });
  ASSERT_TRUE(s->wait_metric("coil_queue_length", 1));
  s.reset();  // stop() and join
  a.join();
  b.join();
  expect_error(*waiting, 503, "shutting_down");
  expect_error(*queued, 503, "shutting_down");
}

}  // namespace
}  // namespace coil
