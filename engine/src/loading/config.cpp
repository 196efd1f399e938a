// config.json parsing: FalconMambaForCausalLM and MambaForCausalLM, with the traps of the
// published checkpoints (README, "Engine": the 7B says expand 16 with intermediate_size 8192).
#include "coil/config.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "coil/error.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"

namespace coil {
namespace {

using nlohmann::json;

constexpr const char* kSupported = "FalconMambaForCausalLM, MambaForCausalLM";

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error("invalid model config " + source + ": " + what);
}

// The first of `names` present (and not null) in `j`, with the name it was found under.
const json* lookup(const json& j, std::initializer_list<const char*> names, std::string* found) {
  for (const char* n : names) {
    auto it = j.find(n);
    if (it != j.end() && !it->is_null()) {
      *found = n;
      return &*it;
    }
  }
  return nullptr;
}

// A JSON integer (or a float with an integral value, as some exporters write) or nullopt.
std::optional<int64_t> as_int(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// Reads a positive integer field under any of `names`, at most `max` (limits.hpp); nullopt
// when absent.
std::optional<int64_t> opt_positive(const json& j, std::initializer_list<const char*> names,
                                    int64_t max, const std::string& source) {
  std::string name;
  const json* v = lookup(j, names, &name);
  if (!v) return std::nullopt;
  auto i = as_int(*v);
  if (!i || *i <= 0)
    fail(source, "field '" + name + "' must be a positive integer, got " + json_excerpt(*v));
  if (*i > max)
    fail(source, "field '" + name + "' is " + std::to_string(*i) + ", more than the " +
                     std::to_string(max) + " Coil supports");
  return i;
}

int64_t req_positive(const json& j, std::initializer_list<const char*> names, int64_t max,
                     const std::string& source) {
  if (auto v = opt_positive(j, names, max, source)) return *v;
  std::string list;
  for (const char* n : names) list += (list.empty() ? "'" : " or '") + std::string(n) + "'";
  fail(source, "missing required field " + list);
}

double opt_epsilon(const json& j, std::initializer_list<const char*> names, double def,
                   const std::string& source) {
  std::string name;
  const json* v = lookup(j, names, &name);
  if (!v) return def;
  if (!v->is_number())
    fail(source, "field '" + name + "' must be a number, got " + json_excerpt(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d) || d <= 0 || d >= 1)
    fail(source, "field '" + name + "' must be a small positive number, got " + json_excerpt(*v));
  return d;
}

bool opt_bool(const json& j, std::initializer_list<const char*> names, bool def,
              const std::string& source) {
  std::string name;
  const json* v = lookup(j, names, &name);
  if (!v) return def;
  if (!v->is_boolean())
    fail(source, "field '" + name + "' must be true or false, got " + json_excerpt(*v));
  return v->get<bool>();
}

int64_t opt_token_id(const json& j, const char* name, const std::string& source) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return -1;
  auto i = as_int(*it);
  if (!i || *i < 0)
    fail(source, std::string("field '") + name + "' must be a non-negative integer, got " +
                     json_excerpt(*it));
  return *i;
}

void parse_arch(const json& j, const std::string& source, ModelConfig& c) {
  std::string from_arch, from_type;
  if (auto it = j.find("architectures"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->empty() || !(*it)[0].is_string())
      fail(source,
           "field 'architectures' must be a non-empty list of strings, got " + json_excerpt(*it));
    from_arch = (*it)[0].get<std::string>();
  }
  if (auto it = j.find("model_type"); it != j.end() && !it->is_null()) {
    if (!it->is_string())
      fail(source, "field 'model_type' must be a string, got " + json_excerpt(*it));
    from_type = it->get<std::string>();
  }
  if (from_arch.empty() && from_type.empty())
    fail(source, "neither 'architectures' nor 'model_type' is set (supported: " +
                     std::string(kSupported) + ")");

  std::optional<Arch> a1, a2;
  if (!from_arch.empty()) {
    if (from_arch == "FalconMambaForCausalLM")
      a1 = Arch::FalconMamba;
    else if (from_arch == "MambaForCausalLM")
      a1 = Arch::Mamba;
    else
      throw Error("unsupported architecture '" + from_arch + "' in " + source +
                  " (supported: " + kSupported + ")");
  }
  if (!from_type.empty()) {
    if (from_type == "falcon_mamba")
      a2 = Arch::FalconMamba;
    else if (from_type == "mamba")
      a2 = Arch::Mamba;
    else
      throw Error("unsupported model_type '" + from_type + "' in " + source +
                  " (supported: falcon_mamba, mamba)");
  }
  if (a1 && a2 && *a1 != *a2)
    fail(source, "'architectures' says " + from_arch + " but 'model_type' says " + from_type);
  c.arch = a1 ? *a1 : *a2;
  c.architecture = c.arch == Arch::FalconMamba ? "FalconMambaForCausalLM" : "MambaForCausalLM";
  c.model_type = c.arch == Arch::FalconMamba ? "falcon_mamba" : "mamba";
}

void parse_eos(const json& j, const std::string& source, ModelConfig& c) {
  auto it = j.find("eos_token_id");
  if (it == j.end() || it->is_null()) return;
  auto bad = [&] {
    fail(source, "field 'eos_token_id' must be a token id or a list of token ids, got " +
                     json_excerpt(*it));
  };
  if (it->is_array()) {
    for (const auto& e : *it) {
      auto i = as_int(e);
      if (!i || *i < 0) bad();
      c.eos_token_ids.push_back(*i);
    }
  } else {
    auto i = as_int(*it);
    if (!i || *i < 0) bad();
    c.eos_token_ids.push_back(*i);
  }
}

ModelConfig parse_fields(const json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "the top level is not a JSON object");
  ModelConfig c;
  parse_arch(j, source, c);

  using namespace limits;
  c.vocab_size = req_positive(j, {"vocab_size"}, kVocab, source);
  c.hidden_size = req_positive(j, {"hidden_size", "d_model"}, kHidden, source);
  c.num_layers = req_positive(j, {"num_hidden_layers", "n_layer", "num_layers"}, kLayers, source);
  c.state_size = req_positive(j, {"state_size", "d_state"}, kStateSize, source);
  c.conv_kernel = req_positive(j, {"conv_kernel", "d_conv"}, kConvKernel, source);

  // The 7B says expand 16 with intermediate_size 8192: intermediate_size wins.
  if (auto d = opt_positive(j, {"intermediate_size", "d_inner"}, kInner, source)) {
    c.intermediate_size = *d;
  } else {
    const int64_t expand = opt_positive(j, {"expand"}, kInner, source).value_or(2);
    if (!mul_fits(expand, c.hidden_size, &c.intermediate_size) || c.intermediate_size > kInner)
      fail(source, "'expand' " + std::to_string(expand) + " x hidden_size " +
                       std::to_string(c.hidden_size) + " gives an intermediate_size above the " +
                       std::to_string(kInner) + " Coil supports");
  }

  std::string rank_name;
  const json* rank = lookup(j, {"time_step_rank", "dt_rank"}, &rank_name);
  if (!rank || (rank->is_string() && rank->get<std::string>() == "auto")) {
    c.time_step_rank = (c.hidden_size + 15) / 16;
  } else {
    auto r = as_int(*rank);
    if (!r || *r <= 0 || *r > kTimeStepRank)
      fail(source, "field '" + rank_name + "' must be a positive integer (at most " +
                       std::to_string(kTimeStepRank) + ") or \"auto\", got " + json_excerpt(*rank));
    c.time_step_rank = *r;
  }

  c.layer_norm_epsilon =
      opt_epsilon(j, {"layer_norm_epsilon", "rms_norm_eps", "norm_epsilon"}, 1e-5, source);
  c.mixer_rms_eps = opt_epsilon(j, {"mixer_rms_eps"}, 1e-6, source);
  c.use_bias = opt_bool(j, {"use_bias", "bias"}, false, source);
  c.use_conv_bias = opt_bool(j, {"use_conv_bias", "conv_bias"}, true, source);
  c.tie_word_embeddings = opt_bool(j, {"tie_word_embeddings", "tie_embeddings"}, true, source);
  c.bos_token_id = opt_token_id(j, "bos_token_id", source);
  c.pad_token_id = opt_token_id(j, "pad_token_id", source);
  parse_eos(j, source, c);
  std::string dtype_name;  // transformers >= 4.56 writes "dtype"
  if (const json* v = lookup(j, {"torch_dtype", "dtype"}, &dtype_name); v && v->is_string())
    c.torch_dtype = v->get<std::string>();
  return c;
}

}  // namespace

ModelConfig ModelConfig::parse(const json& j, const std::string& source) {
  return guard(source, [&] { return parse_fields(j, source); });
}

ModelConfig ModelConfig::load(const std::filesystem::path& config_json) {
  const std::string source = config_json.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(config_json, ec))
    throw Error("model config " + source + " does not exist or is not a file");
  return parse(read_json_file(config_json), source);
}

ModelConfig ModelConfig::parse_text(const std::string& json_text, const std::string& source) {
  return parse(parse_json(json_text, "model config " + source), source);
}

int64_t ModelConfig::parameter_count() const {
  const int64_t H = hidden_size, D = intermediate_size, N = state_size, K = conv_kernel,
                R = time_step_rank, V = vocab_size;
  const int64_t block = H                                            // norm
                        + 2 * D * H                                  // in_proj
                        + D * K                                      // conv1d weight
                        + (use_conv_bias ? D : 0) + (R + 2 * N) * D  // x_proj
                        + D * R + D                                  // dt_proj weight + bias
                        + D * N + D                                  // A_log, D
                        + H * D                                      // out_proj
                        + (use_bias ? 2 * D + H : 0);                // in_proj and out_proj biases
  return V * H + num_layers * block + H + (tie_word_embeddings ? 0 : V * H);
}

int64_t ModelConfig::state_bytes() const {
  return num_layers * ((conv_kernel - 1) * intermediate_size + intermediate_size * state_size) *
         int64_t(sizeof(float));
}

MemoryEstimate memory_estimate(const ModelConfig& config, int bytes_per_weight) {
  MemoryEstimate e;
  e.parameters = config.parameter_count();
  e.weight_bytes = e.parameters * bytes_per_weight;
  e.state_bytes = config.state_bytes();
  e.total_bytes = e.weight_bytes + e.state_bytes;
  return e;
}

std::string ModelConfig::canonical() const {
  json j = {
      {"architecture", architecture},
      {"model_type", model_type},
      {"vocab_size", vocab_size},
      {"hidden_size", hidden_size},
      {"intermediate_size", intermediate_size},
      {"state_size", state_size},
      {"num_layers", num_layers},
      {"conv_kernel", conv_kernel},
      {"time_step_rank", time_step_rank},
      {"layer_norm_epsilon", layer_norm_epsilon},
      {"mixer_rms_eps", mixer_rms_eps},
      {"use_bias", use_bias},
      {"use_conv_bias", use_conv_bias},
      {"tie_word_embeddings", tie_word_embeddings},
      {"bos_token_id", bos_token_id},
      {"eos_token_ids", eos_token_ids},
      {"pad_token_id", pad_token_id},
      {"torch_dtype", torch_dtype},
  };
  return j.dump();  // std::map-backed object: keys sorted, so the text is stable
}

}  // namespace coil
