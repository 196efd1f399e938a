// The OpenAI request bodies of /v1/chat/completions and /v1/completions: parsed, every field's
// type and range checked, into what the engine runs. Anything wrong is an ApiError (the HTTP
// status and OpenAI's error object), never an exception of the JSON library.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "coil/chat.hpp"
#include "coil/generator.hpp"

namespace coil::server {

// {"error": {"message", "type", "param", "code"}} with an HTTP status.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string code = "",
           std::string type = "invalid_request_error", std::string param = "")
      : std::runtime_error(message),
        status(status),
        code(std::move(code)),
        type(std::move(type)),
        param(std::move(param)) {}
  int status;
  std::string code, type, param;
};

struct Limits {
  int max_completion_tokens = 4096;
  int max_json_depth = 32;
  int32_t vocab_size = 0;  // token-id prompts of /v1/completions are checked against it
};

// Defaults a request does not set: generation_config.json's, else OpenAI's.
struct SamplingDefaults {
  float temperature = 1.0f, top_p = 1.0f, min_p = 0.0f, repetition_penalty = 1.0f;
  int top_k = 0;
  static SamplingDefaults from(const ChatConfig& chat);
};

struct CompletionRequest {
  bool chat = true;
  std::vector<ChatMessage> messages;       // chat
  std::optional<std::string> prompt_text;  // completions: a string
  std::vector<int32_t> prompt_ids;         // completions: token ids
  bool stream = false, include_usage = false;
  bool ignore_eos = false;  // extension: generate through end-of-sequence
  GenerateOptions gen;      // sampling, max_tokens, stop strings (no eos ids)
};

// The body as JSON: an ApiError for invalid JSON, nesting deeper than max_depth, or a body
// that is not an object. Messages quote no more than a few bytes of the body, as valid UTF-8.
nlohmann::json parse_body(const std::string& body, int max_depth);

CompletionRequest parse_chat_request(const nlohmann::json& body, const Limits& limits,
                                     const SamplingDefaults& defaults);
CompletionRequest parse_completion_request(const nlohmann::json& body, const Limits& limits,
                                           const SamplingDefaults& defaults);

}  // namespace coil::server
