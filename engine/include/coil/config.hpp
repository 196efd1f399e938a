// config.json of a Hugging Face Mamba / Falcon-Mamba checkpoint, parsed and validated.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace coil {

class GgufFile;

enum class Arch { Mamba, FalconMamba };

struct ModelConfig {
  Arch arch = Arch::FalconMamba;
  std::string architecture;       // "FalconMambaForCausalLM" or "MambaForCausalLM"
  std::string model_type;         // "falcon_mamba" or "mamba"
  int64_t vocab_size = 0;         // V
  int64_t hidden_size = 0;        // H (d_model)
  int64_t intermediate_size = 0;  // D (d_inner); trusted over expand * hidden_size
  int64_t state_size = 0;         // N (d_state)
  int64_t num_layers = 0;         // L
  int64_t conv_kernel = 0;        // K
  int64_t time_step_rank = 0;     // R; "auto" = ceil(H / 16)
  double layer_norm_epsilon = 1e-5;
  double mixer_rms_eps = 1e-6;  // Falcon only; absent in the 7B config -> 1e-6
  bool use_bias = false;        // in_proj / out_proj bias
  bool use_conv_bias = true;
  bool tie_word_embeddings = true;  // true: no lm_head.weight, the embeddings are reused
  int64_t bos_token_id = -1;
  std::vector<int64_t> eos_token_ids;  // from config.json; generation_config.json may add more
  int64_t pad_token_id = -1;
  std::string torch_dtype;  // informational

  // Parses config.json text. `source` names the file in error messages.
  // Throws coil::Error on unknown architecture, missing/invalid fields, non-positive dims.
  static ModelConfig parse(const nlohmann::json& j, const std::string& source);
  static ModelConfig parse_text(const std::string& json_text, const std::string& source);
  static ModelConfig load(const std::filesystem::path& config_json);
  // The config of a GGUF file: architecture `mamba` (FalconMamba when mamba.ssm.dt_b_c_rms
  // is true), mamba.* dimensions, vocab from token_embd, use_bias / use_conv_bias / tying
  // from which tensors exist, special ids from tokenizer.ggml.*; mixer_rms_eps keeps
  // transformers' 1e-6 (GGUF has no such key). Validated as a config.json is.
  static ModelConfig from_gguf(const GgufFile& file);

  // Parameters of a model of this config: embeddings, every block (norm, in_proj, conv1d
  // weight and bias, x_proj, dt_proj weight and bias, A_log, D, out_proj, and the in/out
  // projection biases when use_bias), the final norm, and lm_head unless tied.
  int64_t parameter_count() const;
  // Bytes of one sequence's recurrent state (fp32): per layer (K-1) x D conv + D x N ssm.
  int64_t state_bytes() const;

  // Canonical JSON text of the fields above (used for the model fingerprint).
  std::string canonical() const;
};

// What a model of a config needs in memory before it is downloaded or loaded: its weights
// held at `bytes_per_weight` (2 for BF16/F16, 4 for F32) plus one recurrent state.
struct MemoryEstimate {
  int64_t parameters = 0;
  int64_t weight_bytes = 0;
  int64_t state_bytes = 0;
  int64_t total_bytes = 0;  // weights + state
};
MemoryEstimate memory_estimate(const ModelConfig& config, int bytes_per_weight);

}  // namespace coil
