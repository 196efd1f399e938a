#include "api_request.hpp"

#include <cmath>
#include <limits>

#include "coil/json.hpp"
#include "coil/utf8.hpp"

namespace coil::server {

using json = nlohmann::json;

namespace {

[[noreturn]] void bad_field(const std::string& field, const std::string& what,
                            const std::string& code = "invalid_type") {
  throw ApiError(400, "'" + field + "' " + what, code, "invalid_request_error", field);
}

std::string got(const json& v) {
  return std::string(" (got ") + v.type_name() + ")";
}

// The field, or nullptr when it is absent or null.
const json* find(const json& o, const char* name) {
  auto it = o.find(name);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

std::optional<bool> get_bool(const json& o, const char* name) {
  const json* v = find(o, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad_field(name, "must be a boolean" + got(*v));
  return v->get<bool>();
}

std::optional<int64_t> get_int(const json& o, const char* name, int64_t lo, int64_t hi) {
  const json* v = find(o, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad_field(name, "must be an integer" + got(*v));
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi))
    bad_field(name, "must be at most " + std::to_string(hi), "invalid_value");
  const int64_t x =
      v->is_number_unsigned() ? static_cast<int64_t>(v->get<uint64_t>()) : v->get<int64_t>();
  if (x < lo || x > hi)
    bad_field(name,
              "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                  std::to_string(x) + ")",
              "invalid_value");
  return x;
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::optional<double> get_number(const json& o, const char* name, double lo, double hi) {
  const json* v = find(o, name);
  if (!v) return std::nullopt;
  if (!v->is_number()) bad_field(name, "must be a number" + got(*v));
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi))
    bad_field(name, "must be between " + num(lo) + " and " + num(hi) + " (got " + num(x) + ")",
              "invalid_value");
  return x;
}

std::optional<std::string> get_string(const json& o, const char* name) {
  const json* v = find(o, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_field(name, "must be a string" + got(*v));
  return v->get<std::string>();
}

[[noreturn]] void unsupported(const std::string& field, const std::string& what) {
  throw ApiError(400, what + " is not supported by this server", "unsupported_parameter",
                 "invalid_request_error", field);
}

// Fields Coil does not implement: accepted at their "off" values, refused otherwise (rather
// than silently ignored).
void refuse_unsupported(const json& body, bool chat) {
  for (const char* f : {"presence_penalty", "frequency_penalty"})
    if (auto v = get_number(body, f, -2.0, 2.0); v && *v != 0.0)
      unsupported(f, std::string("'") + f + "'");
  if (const json* v = find(body, "logit_bias"); v && !(v->is_object() && v->empty()))
    unsupported("logit_bias", "'logit_bias'");
  if (chat) {
    if (auto v = get_bool(body, "logprobs"); v && *v) unsupported("logprobs", "'logprobs'");
    if (find(body, "top_logprobs")) unsupported("top_logprobs", "'top_logprobs'");
    for (const char* f : {"tools", "functions"})
      if (const json* v = find(body, f); v && !(v->is_array() && v->empty()))
        unsupported(f, "tool calling");
    if (const json* v = find(body, "response_format")) {
      if (!v->is_object()) bad_field("response_format", "must be an object" + got(*v));
      auto t = get_string(*v, "type");
      if (t && *t != "text") unsupported("response_format", "response_format '" + *t + "'");
    }
  } else {
    if (auto v = get_int(body, "logprobs", 0, 20); v && *v != 0)
      unsupported("logprobs", "'logprobs'");
    if (auto v = get_bool(body, "echo"); v && *v) unsupported("echo", "'echo'");
    if (find(body, "suffix")) unsupported("suffix", "'suffix'");
    if (auto v = get_int(body, "best_of", 1, 1 << 20); v && *v != 1)
      unsupported("best_of", "'best_of' other than 1");
  }
}

void parse_common(const json& body, const Limits& limits, const SamplingDefaults& d,
                  CompletionRequest& r) {
  if (auto m = find(body, "model"); m && !m->is_string())
    bad_field("model", "must be a string" + got(*m));
  if (auto n = get_int(body, "n", 1, std::numeric_limits<int64_t>::max()); n && *n != 1)
    throw ApiError(400, "'n' must be 1: this server generates one choice per request",
                   "invalid_value", "invalid_request_error", "n");
  refuse_unsupported(body, r.chat);
  r.stream = get_bool(body, "stream").value_or(false);
  if (const json* so = find(body, "stream_options")) {
    if (!so->is_object()) bad_field("stream_options", "must be an object" + got(*so));
    r.include_usage = get_bool(*so, "include_usage").value_or(false);
  }
  r.ignore_eos = get_bool(body, "ignore_eos").value_or(false);

  const int64_t cap = limits.max_completion_tokens;
  auto max_tokens = get_int(body, "max_tokens", 1, std::numeric_limits<int64_t>::max());
  if (auto m = get_int(body, "max_completion_tokens", 1, std::numeric_limits<int64_t>::max()))
    max_tokens = m;
  if (max_tokens && *max_tokens > cap)
    throw ApiError(400,
                   "max_tokens is " + std::to_string(*max_tokens) +
                       ": this server allows at most " + std::to_string(cap) +
                       " (coil serve --max-completion-tokens)",
                   "invalid_value", "invalid_request_error",
                   find(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
  r.gen.max_tokens = static_cast<int>(max_tokens.value_or(cap));

  SamplingParams& s = r.gen.sampling;
  s.temperature =
      static_cast<float>(get_number(body, "temperature", 0.0, 2.0).value_or(d.temperature));
  s.top_p = static_cast<float>(get_number(body, "top_p", 0.0, 1.0).value_or(d.top_p));
  s.top_k = static_cast<int>(get_int(body, "top_k", 0, 1 << 30).value_or(d.top_k));
  s.min_p = static_cast<float>(get_number(body, "min_p", 0.0, 1.0).value_or(d.min_p));
  s.repetition_penalty = static_cast<float>(
      get_number(body, "repetition_penalty", 0.01, 100.0).value_or(d.repetition_penalty));
  // The sampler takes 0 for "pick a random seed": a requested 0 is a seed like any other.
  if (auto seed = get_int(body, "seed", std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max()))
    s.seed = *seed == 0 ? 0x5eed5eed5eed5eedull : static_cast<uint64_t>(*seed);
  else
    s.seed = 0;

  if (const json* stop = find(body, "stop")) {
    std::vector<std::string> stops;
    if (stop->is_string()) {
      stops.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > 16) bad_field("stop", "may hold at most 16 strings", "invalid_value");
      for (const json& s1 : *stop) {
        if (!s1.is_string()) bad_field("stop", "must be a string or a list of strings" + got(s1));
        stops.push_back(s1.get<std::string>());
      }
    } else {
      bad_field("stop", "must be a string or a list of strings" + got(*stop));
    }
    for (auto& st : stops) {
      if (st.size() > 1024)
        bad_field("stop", "strings must be at most 1024 bytes", "invalid_value");
      if (!st.empty()) r.gen.stop_strings.push_back(std::move(st));
    }
  }
}

std::string message_content(const json& content, size_t i) {
  const std::string field = "messages[" + std::to_string(i) + "].content";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array())
    bad_field(field, "must be a string or a list of text parts" + got(content));
  std::string text;
  for (const json& part : content) {
    if (!part.is_object()) bad_field(field, "parts must be objects" + got(part));
    auto type = get_string(part, "type");
    if (type != "text")
      throw ApiError(400,
                     "only text content is supported (" + field + " has a part of type '" +
                         utf8_lossy(type.value_or("?").substr(0, 32)) + "')",
                     "unsupported_content", "invalid_request_error", field);
    auto t = get_string(part, "text");
    if (!t) bad_field(field, "text parts need a 'text' string", "missing_required_parameter");
    text += *t;
  }
  return text;
}

}  // namespace

SamplingDefaults SamplingDefaults::from(const ChatConfig& chat) {
  SamplingDefaults d;
  if (chat.temperature) d.temperature = static_cast<float>(*chat.temperature);
  if (chat.top_p) d.top_p = static_cast<float>(*chat.top_p);
  if (chat.top_k) d.top_k = static_cast<int>(std::clamp<int64_t>(*chat.top_k, 0, 1 << 30));
  if (chat.repetition_penalty) d.repetition_penalty = static_cast<float>(*chat.repetition_penalty);
  return d;
}

json parse_body(const std::string& body, int max_depth) {
  if (body.empty())
    throw ApiError(400, "the request body is empty: send a JSON object", "invalid_json");
  // The engine's one nesting check for untrusted JSON (coil/json.hpp), with the server's limit.
  if (coil::json_too_deep(body, max_depth))
    throw ApiError(400, "the JSON body nests deeper than " + std::to_string(max_depth) + " levels",
                   "json_too_deep");
  try {
    json j = json::parse(body);
    if (!j.is_object())
      throw ApiError(400,
                     std::string("the JSON body must be an object (got ") + j.type_name() + ")",
                     "invalid_json");
    return j;
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); what.starts_with("[json.exception") && p != std::string::npos)
      what.erase(0, p + 2);
    if (what.size() > 200) what = what.substr(0, 200) + "...";
    throw ApiError(400, "invalid JSON: " + utf8_lossy(what), "invalid_json");
  }
}

CompletionRequest parse_chat_request(const json& body, const Limits& limits,
                                     const SamplingDefaults& d) {
  CompletionRequest r;
  r.chat = true;
  const json* msgs = find(body, "messages");
  if (!msgs)
    throw ApiError(400, "'messages' is required", "missing_required_parameter",
                   "invalid_request_error", "messages");
  if (!msgs->is_array()) bad_field("messages", "must be a list of messages" + got(*msgs));
  if (msgs->empty()) bad_field("messages", "must hold at least one message", "invalid_value");
  for (size_t i = 0; i < msgs->size(); ++i) {
    const json& m = (*msgs)[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) bad_field(at, "must be an object" + got(m));
    auto role = get_string(m, "role");
    if (!role)
      throw ApiError(400, "'" + at + ".role' is required", "missing_required_parameter",
                     "invalid_request_error", at + ".role");
    if (*role == "developer") role = "system";  // OpenAI's newer name for it
    if (*role != "system" && *role != "user" && *role != "assistant")
      throw ApiError(400,
                     "'" + at + ".role' must be system, developer, user or assistant (got '" +
                         utf8_lossy(role->substr(0, 32)) + "')",
                     "invalid_value", "invalid_request_error", at + ".role");
    const json* content = find(m, "content");
    if (!content)
      throw ApiError(400, "'" + at + ".content' is required", "missing_required_parameter",
                     "invalid_request_error", at + ".content");
    r.messages.push_back({*role, message_content(*content, i)});
  }
  parse_common(body, limits, d, r);
  return r;
}

CompletionRequest parse_completion_request(const json& body, const Limits& limits,
                                           const SamplingDefaults& d) {
  CompletionRequest r;
  r.chat = false;
  const json* p = find(body, "prompt");
  if (!p)
    throw ApiError(400, "'prompt' is required", "missing_required_parameter",
                   "invalid_request_error", "prompt");
  const std::string one =
      "one prompt per request: a string, a list of one string, or a list of token ids";
  if (p->is_string()) {
    r.prompt_text = p->get<std::string>();
  } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
    r.prompt_text = (*p)[0].get<std::string>();
  } else if (p->is_array() && !p->empty() && (*p)[0].is_number_integer()) {
    for (const json& id : *p) {
      if (!id.is_number_integer()) bad_field("prompt", "must be " + one + got(id));
      // nlohmann keeps every non-negative integer as unsigned
      const int64_t v =
          id.is_number_unsigned()
              ? static_cast<int64_t>(std::min<uint64_t>(id.get<uint64_t>(), INT64_MAX))
              : id.get<int64_t>();
      if (v < 0 || v >= limits.vocab_size)
        bad_field("prompt",
                  "holds token id " + id.dump() + ", outside the vocabulary (0.." +
                      std::to_string(limits.vocab_size - 1) + ")",
                  "invalid_value");
      r.prompt_ids.push_back(static_cast<int32_t>(v));
    }
  } else {
    bad_field("prompt", "must be " + one + got(*p));
  }
  parse_common(body, limits, d, r);
  return r;
}

}  // namespace coil::server
