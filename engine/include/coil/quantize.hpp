// `coil quantize`: a model (a Hugging Face folder or a GGUF file of higher precision)
// written as one complete GGUF file: weights in the chosen type, the tokenizer and the
// chat template, readable by gguf-py and llama.cpp's tools.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {

struct ModelConfig;

// "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k", "f32", "f16", "bf16"
// (any case); throws coil::Error listing them for anything else.
DType parse_weight_type(std::string_view name);

struct QuantizeOptions {
  DType type = DType::Q8_0;
  int threads = 0;  // 0: hardware threads
  // Called after each tensor: (fraction of the bytes done, tensor name).
  std::function<void(double, const std::string&)> progress;
};

struct QuantizeReport {
  int tensors = 0;     // written
  int quantized = 0;   // in the requested type
  uint64_t bytes = 0;  // of the file
  // What a person should know: tensors kept in another type and why, parts not carried.
  std::vector<std::string> notes;
};

// The matrices (embeddings, head, in/x/dt/out projections) take `type` where their rows
// are whole blocks of it; else, as llama.cpp does, Q4_K falls back to Q5_0, Q5_K to Q5_1,
// Q6_K to Q8_0 (or F32 when the rows are not even 32-value blocks). Vectors, the conv
// kernel and A stay F32. A tensor already quantized is copied only into its own type.
// Throws coil::Error naming the file or tensor; no file is left behind on an error.
// The type a matrix with rows of `cols` values gets when `want` is asked for (the rule above).
DType matrix_weight_type(DType want, int64_t cols);

// Bytes of the weights quantize_model writes for a model of `config` in `type` (the rule
// above: matrices in matrix_weight_type, the rest F32): what the model holds in memory when
// it runs from that file (the app's memory-fit badge under Settings > Weights).
int64_t quantized_weight_bytes(const ModelConfig& config, DType type);

QuantizeReport quantize_model(const std::filesystem::path& model, const std::filesystem::path& out,
                              const QuantizeOptions& options);

}  // namespace coil
