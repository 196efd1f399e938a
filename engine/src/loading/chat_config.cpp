// coil::ChatConfig: what a model folder says about chat, from tokenizer_config.json,
// chat_template.jinja / chat_template.json, generation_config.json and config.json.
#include <algorithm>
#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw Error(file.string() + ": " + what);
}

// The file's text when it exists, at most `max_bytes` of it (else an error).
std::optional<std::string> read_text(const fs::path& file, uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  if (fs::is_directory(file, ec)) fail(file, "is a directory, not a file");
  return read_file_text(file, max_bytes);
}

std::optional<json> read_json(const fs::path& file) {
  auto text = read_text(file, limits::kJsonFileBytes);
  if (!text) return std::nullopt;
  json j = parse_json(*text, file.string());
  if (!j.is_object()) fail(file, "must hold a JSON object, not " + std::string(j.type_name()));
  return j;
}

// The field `key` of `j` when present and not null.
const json* field(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::optional<int64_t> as_integer(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<int64_t> opt_integer(const json& j, const char* key, const fs::path& file) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  auto i = as_integer(*v);
  if (!i) fail(file, std::string("'") + key + "' must be an integer, got " + json_excerpt(*v));
  return i;
}

std::optional<bool> opt_bool(const json& j, const char* key, const fs::path& file) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    fail(file, std::string("'") + key + "' must be true or false, got " + json_excerpt(*v));
  return v->get<bool>();
}

std::optional<double> opt_number(const json& j, const char* key, const fs::path& file) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number())
    fail(file, std::string("'") + key + "' must be a number, got " + json_excerpt(*v));
  return v->get<double>();
}

// A sampling setting outside what makes sense (a negative temperature, top_p above 1, a zero
// repetition penalty that would divide by zero) is refused with its range.
template <typename T>
void in_range(const std::optional<T>& v, const char* key, double lo, double hi,
              const fs::path& file) {
  if (!v || (double(*v) >= lo && double(*v) <= hi)) return;
  auto text = [](double d) {
    std::ostringstream o;
    if (d == std::floor(d) && std::fabs(d) < 1e15)
      o << static_cast<long long>(d);
    else
      o << d;
    return o.str();
  };
  fail(file, std::string("'") + key + "' must be between " + text(lo) + " and " + text(hi) +
                 ", got " + text(double(*v)));
}

int64_t token_id(const json& v, const char* key, const fs::path& file, bool list_allowed) {
  auto i = as_integer(v);
  if (!i || *i < 0)
    fail(file, std::string("'") + key + "' must be a token id (an integer >= 0)" +
                   (list_allowed ? " or a list of them" : "") + ", got " + json_excerpt(v));
  return *i;
}

// eos_token_id: an id or a list of ids. Empty when absent.
std::vector<int64_t> token_ids(const json& j, const char* key, const fs::path& file) {
  const json* v = field(j, key);
  if (!v) return {};
  std::vector<int64_t> ids;
  if (v->is_array()) {
    for (const auto& item : *v) {
      const int64_t id = token_id(item, key, file, true);
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
  } else {
    ids.push_back(token_id(*v, key, file, true));
  }
  return ids;
}

// bos_token / eos_token: a string or an AddedToken object {"content": ...}.
std::string special_token(const json& j, const char* key, const fs::path& file) {
  const json* v = field(j, key);
  if (!v) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object()) {
    const json* content = field(*v, "content");
    if (content && content->is_string()) return content->get<std::string>();
  }
  fail(file, std::string("'") + key +
                 "' must be a string or an object with a string \"content\", got " +
                 json_excerpt(*v));
}

// chat_template: a string, or a list of {"name", "template"} from which "default" is used.
std::optional<std::string> template_field(const json& j, const fs::path& file) {
  const json* v = field(j, "chat_template");
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (!v->is_array())
    fail(file, "'chat_template' must be a string or a list of {\"name\", \"template\"}, got " +
                   std::string(v->type_name()));
  std::string names;
  std::optional<std::string> found;
  for (const auto& entry : *v) {
    const json* name = entry.is_object() ? field(entry, "name") : nullptr;
    const json* text = entry.is_object() ? field(entry, "template") : nullptr;
    if (!name || !name->is_string() || !text || !text->is_string())
      fail(file,
           "each 'chat_template' entry must be {\"name\": string, \"template\": string}, got " +
               json_excerpt(entry));
    const std::string n = name->get<std::string>();
    if (n == "default" && !found) found = text->get<std::string>();
    names += (names.empty() ? "" : ", ") + n;
  }
  if (!found)
    fail(file, "'chat_template' has no template named \"default\" (it has: " + names + ")");
  return found;
}

// A GGUF file's chat settings: tokenizer.chat_template, the special tokens of
// tokenizer.ggml.*, and the general.sampling.* defaults.
ChatConfig load_gguf(const fs::path& file) {
  const GgufFile f(file);
  ChatConfig c;
  c.chat_template = f.get_string("tokenizer.chat_template");
  const auto* tokens = f.get_string_array("tokenizer.ggml.tokens");
  auto token = [&](std::optional<uint64_t> id) -> std::string {
    return tokens && id && *id < tokens->size() ? (*tokens)[*id] : "";
  };
  const auto bos = f.get_uint("tokenizer.ggml.bos_token_id");
  const auto eos = f.get_uint("tokenizer.ggml.eos_token_id");
  c.bos_token = token(bos);
  c.eos_token = token(eos);
  if (bos) c.bos_token_id = static_cast<int64_t>(*bos);
  for (auto id : {eos, f.get_uint("tokenizer.ggml.eot_token_id")})
    if (id && std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), int64_t(*id)) ==
                  c.eos_token_ids.end())
      c.eos_token_ids.push_back(static_cast<int64_t>(*id));
  c.temperature = f.get_float("general.sampling.temp");
  c.top_p = f.get_float("general.sampling.top_p");
  if (auto k = f.get_uint("general.sampling.top_k")) c.top_k = static_cast<int64_t>(*k);
  c.repetition_penalty = f.get_float("general.sampling.penalty_repeat");
  in_range(c.temperature, "general.sampling.temp", 0, 1e6, file);
  in_range(c.top_p, "general.sampling.top_p", 0, 1, file);
  in_range(c.top_k, "general.sampling.top_k", 0, INT32_MAX, file);
  in_range(c.repetition_penalty, "general.sampling.penalty_repeat", 1e-3, 1e3, file);
  return c;
}

ChatConfig load_files(const fs::path& dir) {
  if (is_gguf_file(dir)) return load_gguf(dir);
  ChatConfig c;

  const fs::path tokenizer_config = dir / "tokenizer_config.json";
  if (auto j = read_json(tokenizer_config)) {
    c.chat_template = template_field(*j, tokenizer_config);
    if (c.chat_template) c.chat_template_file = tokenizer_config.string();
    c.bos_token = special_token(*j, "bos_token", tokenizer_config);
    c.eos_token = special_token(*j, "eos_token", tokenizer_config);
  }

  const fs::path template_json = dir / "chat_template.json";
  if (auto j = read_json(template_json)) {
    const json* t = field(*j, "chat_template");
    if (t && !t->is_string()) fail(template_json, "'chat_template' must be a string");
    if (t) {
      c.chat_template = t->get<std::string>();
      c.chat_template_file = template_json.string();
    }
  }
  if (auto text = read_text(dir / "chat_template.jinja", limits::kTemplateSourceBytes)) {
    c.chat_template = *text;
    c.chat_template_file = (dir / "chat_template.jinja").string();
  }

  const fs::path generation_config = dir / "generation_config.json";
  if (auto j = read_json(generation_config)) {
    c.eos_token_ids = token_ids(*j, "eos_token_id", generation_config);
    if (const json* b = field(*j, "bos_token_id"))
      c.bos_token_id = token_id(*b, "bos_token_id", generation_config, false);
    c.do_sample = opt_bool(*j, "do_sample", generation_config);
    c.temperature = opt_number(*j, "temperature", generation_config);
    c.top_p = opt_number(*j, "top_p", generation_config);
    c.min_p = opt_number(*j, "min_p", generation_config);
    c.top_k = opt_integer(*j, "top_k", generation_config);
    c.repetition_penalty = opt_number(*j, "repetition_penalty", generation_config);
    c.max_new_tokens = opt_integer(*j, "max_new_tokens", generation_config);
    in_range(c.temperature, "temperature", 0, 1e6, generation_config);
    in_range(c.top_p, "top_p", 0, 1, generation_config);
    in_range(c.min_p, "min_p", 0, 1, generation_config);
    in_range(c.top_k, "top_k", 0, INT32_MAX, generation_config);
    in_range(c.repetition_penalty, "repetition_penalty", 1e-3, 1e3, generation_config);
    in_range(c.max_new_tokens, "max_new_tokens", 1, INT32_MAX, generation_config);
  }

  const fs::path config = dir / "config.json";
  if (auto j = read_json(config)) {
    std::vector<int64_t> eos = token_ids(*j, "eos_token_id", config);
    if (c.eos_token_ids.empty()) c.eos_token_ids = std::move(eos);
    if (const json* b = field(*j, "bos_token_id")) {
      const int64_t id = token_id(*b, "bos_token_id", config, false);
      if (!c.bos_token_id) c.bos_token_id = id;
    }
  }
  return c;
}

}  // namespace

ChatConfig ChatConfig::load(const fs::path& dir) {
  return guard(dir.string(), [&] { return load_files(dir); });
}

SamplingParams ChatConfig::sampling(SamplingParams base) const {
  SamplingParams p = base;
  if (do_sample == false) {
    p.temperature = 0;
    p.repetition_penalty = static_cast<float>(repetition_penalty.value_or(1.0));
    return p;
  }
  if (temperature) p.temperature = static_cast<float>(*temperature);
  if (top_k) p.top_k = static_cast<int>(*top_k);  // checked: 0..INT32_MAX
  if (top_p) p.top_p = static_cast<float>(*top_p);
  if (min_p) p.min_p = static_cast<float>(*min_p);
  if (repetition_penalty) p.repetition_penalty = static_cast<float>(*repetition_penalty);
  return p;
}

ChatTemplate ChatConfig::make_template() const {
  if (chat_template) return ChatTemplate(*chat_template, chat_template_file);
  return ChatTemplate::chatml();
}

}  // namespace coil
