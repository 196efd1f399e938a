// The tensors of a model, bound to the config by name and checked against it.
#pragma once
#include <filesystem>
#include <memory>
#include <vector>

#include "coil/config.hpp"
#include "coil/gguf.hpp"
#include "coil/safetensors.hpp"

namespace coil {

// Shapes use the config's letters: V vocab, H hidden, D intermediate, N state, K conv
// kernel, R time-step rank.
struct LayerWeights {
  const TensorView* norm = nullptr;           // [H]          backbone.layers.i.norm.weight
  const TensorView* in_proj = nullptr;        // [2D, H]      mixer.in_proj.weight
  const TensorView* in_proj_bias = nullptr;   // [2D] or null mixer.in_proj.bias (use_bias)
  const TensorView* conv_weight = nullptr;    // [D, 1, K]    mixer.conv1d.weight
  const TensorView* conv_bias = nullptr;      // [D] or null  mixer.conv1d.bias (use_conv_bias)
  const TensorView* x_proj = nullptr;         // [R+2N, D]    mixer.x_proj.weight
  const TensorView* dt_proj = nullptr;        // [D, R]       mixer.dt_proj.weight
  const TensorView* dt_proj_bias = nullptr;   // [D]          mixer.dt_proj.bias
  const TensorView* A_log = nullptr;          // [D, N]       mixer.A_log (HF), or null
  const TensorView* A = nullptr;              // [D, N]       GGUF's blk.i.ssm_a = -exp(A_log)
  const TensorView* D = nullptr;              // [D]          mixer.D
  const TensorView* out_proj = nullptr;       // [H, D]       mixer.out_proj.weight
  const TensorView* out_proj_bias = nullptr;  // [H] or null  mixer.out_proj.bias (use_bias)
};

struct ModelWeights {
  const TensorView* embeddings = nullptr;  // [V, H]  backbone.embeddings.weight
  std::vector<LayerWeights> layers;        // L
  const TensorView* norm_f = nullptr;      // [H]     backbone.norm_f.weight
  const TensorView* lm_head = nullptr;     // [V, H]  lm_head.weight, == embeddings when tied

  // Binds every tensor by name. Errors (coil::Error) name the tensor and the file: a missing
  // tensor, an unexpected extra tensor, a shape that disagrees with the config (e.g. the
  // 7B's `expand: 16` vs intermediate_size 8192 is fine because intermediate_size is
  // trusted, but a config whose intermediate_size disagrees with in_proj is refused),
  // lm_head present although tied or absent although untied.
  // `layer_prefix` handles both "backbone.layers." (HF) layouts.
  static ModelWeights bind(const ModelConfig& config, const TensorStore& store);
  // The same from a GGUF file's tensors, by llama.cpp's names (token_embd, output_norm,
  // output, blk.N.{attn_norm, ssm_in, ssm_conv1d, ssm_x, ssm_dt, ssm_a, ssm_d, ssm_out}).
  static ModelWeights bind_gguf(const ModelConfig& config, const GgufFile& file);
};

// GGUF's (llama.cpp's) name of a tensor of layer `layer`. `role` is one of "norm",
// "in_proj", "in_proj_bias", "conv1d", "conv1d_bias", "x_proj", "dt_proj", "dt_proj_bias",
// "A", "D", "out_proj", "out_proj_bias"; e.g. (3, "in_proj") -> "blk.3.ssm_in.weight".
std::string gguf_layer_tensor(int64_t layer, const char* role);

// A model opened from disk and validated: a folder (config.json + safetensors; it may also
// hold tokenizer files, see tokenizer.hpp, and generation_config.json), or a GGUF file
// (config, weights, tokenizer and chat template in one file).
struct ModelFiles {
  std::filesystem::path dir;  // the folder, or the .gguf file
  ModelConfig config;
  std::unique_ptr<TensorStore> store;  // a folder's safetensors
  std::unique_ptr<GgufFile> gguf;      // or the GGUF file
  ModelWeights weights;

  // Throws coil::Error (and nothing else): missing folder or file, missing config.json,
  // invalid config or GGUF header, bad tensors (naming the file and the tensor).
  static ModelFiles open(const std::filesystem::path& path);

 private:
  static ModelFiles open_path(const std::filesystem::path& path);
};

}  // namespace coil
