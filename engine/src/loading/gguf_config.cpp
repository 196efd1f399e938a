// ModelConfig from a GGUF file's metadata (see ModelConfig::from_gguf): mapped onto the
// config.json fields it stands for, then validated by the same parser.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"

namespace coil {
namespace {

constexpr uint64_t kMaxDim = uint64_t(1) << 24;  // far above any published Mamba's sizes

bool has_tensor(const GgufFile& f, const std::string& name) {
  for (const auto& t : f.tensor_infos())
    if (t.name == name) return true;
  return false;
}

}  // namespace

ModelConfig ModelConfig::from_gguf(const GgufFile& f) {
  const std::string file = f.path().string();
  const auto arch = f.get_string("general.architecture");
  if (!arch) throw Error("GGUF file " + file + " has no general.architecture");
  if (*arch != "mamba")
    throw Error("GGUF file " + file + " holds a '" + *arch +
                "' model; Coil runs architecture 'mamba' (Mamba and FalconMamba)");
  const bool falcon = f.get_bool("mamba.ssm.dt_b_c_rms").value_or(false);
  nlohmann::json j;
  j["architectures"] = {falcon ? "FalconMambaForCausalLM" : "MambaForCausalLM"};
  auto dim = [&](const char* key, const char* field) {
    const auto v = f.get_uint(key);
    if (!v) throw Error("GGUF file " + file + " has no " + key);
    if (*v == 0 || *v > kMaxDim)
      throw Error("GGUF file " + file + ": " + key + " " + std::to_string(*v) +
                  " is not a plausible size (1 to " + std::to_string(kMaxDim) + ")");
    j[field] = *v;
  };
  dim("mamba.embedding_length", "hidden_size");
  dim("mamba.block_count", "num_hidden_layers");
  dim("mamba.ssm.inner_size", "intermediate_size");
  dim("mamba.ssm.state_size", "state_size");
  dim("mamba.ssm.conv_kernel", "conv_kernel");
  dim("mamba.ssm.time_step_rank", "time_step_rank");
  if (auto eps = f.get_float("mamba.attention.layer_norm_rms_epsilon"))
    j["layer_norm_epsilon"] = *eps;
  j["mixer_rms_eps"] = 1e-6;  // transformers' default; GGUF does not carry it

  // the vocabulary: the rows of token_embd (GGUF ne [H, V])
  const TensorView* emb = f.find_tensor("token_embd.weight");
  if (!emb) throw Error("missing tensor token_embd.weight in " + file);
  if (emb->shape.size() != 2)
    throw Error("tensor token_embd.weight in " + file + " is not a matrix");
  j["vocab_size"] = emb->shape[0];
  j["use_bias"] = has_tensor(f, "blk.0.ssm_in.bias");
  j["use_conv_bias"] = has_tensor(f, "blk.0.ssm_conv1d.bias");
  j["tie_word_embeddings"] = !has_tensor(f, "output.weight");
  if (auto v = f.get_uint("tokenizer.ggml.bos_token_id")) j["bos_token_id"] = *v;
  if (auto v = f.get_uint("tokenizer.ggml.padding_token_id")) j["pad_token_id"] = *v;
  nlohmann::json eos = nlohmann::json::array();
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"})
    if (auto v = f.get_uint(key); v && std::find(eos.begin(), eos.end(), *v) == eos.end())
      eos.push_back(*v);
  if (!eos.empty()) j["eos_token_id"] = eos;
  if (const TensorView* in = f.find_tensor("blk.0.ssm_in.weight"))
    j["torch_dtype"] = dtype_name(in->dtype);
  return parse(j, file);
}

}  // namespace coil
