// coil quantize: a model folder or GGUF file rewritten as one GGUF of the chosen type.
#include "coil/quantize.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "coil/chat.hpp"
#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/gguf_writer.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"
#include "coil/quants.hpp"
#include "coil/weights.hpp"
#include "tokenizer/gguf_vocab.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;

constexpr std::pair<const char*, DType> kTypeNames[] = {
    {"q8_0", DType::Q8_0}, {"q4_0", DType::Q4_0}, {"q4_1", DType::Q4_1}, {"q5_0", DType::Q5_0},
    {"q5_1", DType::Q5_1}, {"q4_k", DType::Q4_K}, {"q5_k", DType::Q5_K}, {"q6_k", DType::Q6_K},
    {"f32", DType::F32},   {"f16", DType::F16},   {"bf16", DType::BF16}};

// llama.cpp's general.file_type of a file whose matrices are `t` (LlamaFileType in gguf-py;
// the K types as their "_S" variants, every matrix in the one type).
uint32_t file_type(DType t) {
  switch (t) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::Q4_0:
      return 2;
    case DType::Q4_1:
      return 3;
    case DType::Q8_0:
      return 7;
    case DType::Q5_0:
      return 8;
    case DType::Q5_1:
      return 9;
    case DType::Q4_K:
      return 14;
    case DType::Q5_K:
      return 16;
    case DType::Q6_K:
      return 18;
    case DType::BF16:
      return 32;
    default:
      return 1024;  // "guessed"
  }
}

struct Job {
  std::string name;
  const TensorView* src;
  DType type;
  std::vector<int64_t> shape;  // output shape, row-major
  bool neg_exp = false;        // A = -exp(A_log)
};

// Converts `src` rows to `job.type` into dst, split over threads.
void convert(const Job& job, uint8_t* dst, int threads) {
  const TensorView& v = *job.src;
  const int64_t cols = job.shape.back();
  const int64_t rows = v.numel() / cols;
  if (v.dtype == job.type && !job.neg_exp) {
    std::memcpy(dst, v.data, v.nbytes);
    return;
  }
  if (dtype_is_quantized(v.dtype))
    throw Error("tensor " + v.name + " in " + v.file.string() + " is already " +
                dtype_name(v.dtype) +
                "; quantize from the F32, F16 or BF16 model instead of "
                "quantizing it again to " +
                dtype_name(job.type));
  const size_t in_row = dtype_row_bytes(v.dtype, cols), out_row = dtype_row_bytes(job.type, cols);
  std::mutex error_mutex;
  std::string error;  // the first non-finite value found
  auto work = [&](int64_t r0, int64_t r1) {
    std::vector<float> row(cols);
    for (int64_t r = r0; r < r1; ++r) {
      convert_to_f32(v.dtype, static_cast<const uint8_t*>(v.data) + r * in_row, row.data(), cols);
      for (float& x : row) {
        if (job.neg_exp) x = -std::exp(x);
        if (!std::isfinite(x)) {
          const std::lock_guard<std::mutex> lock(error_mutex);
          if (error.empty())
            error = "tensor " + v.name + " in " + v.file.string() +
                    " holds a non-finite value (row " + std::to_string(r) + ")";
          return;
        }
      }
      quantize_row(job.type, row.data(), dst + r * out_row, cols);
    }
  };
  const int n = static_cast<int>(std::clamp<int64_t>(rows / 16, 1, threads));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work, rows * t / n, rows * (t + 1) / n);
  work(0, rows / n);
  for (auto& th : pool) th.join();
  if (!error.empty()) throw Error(error);
}

}  // namespace

DType matrix_weight_type(DType want, int64_t cols) {
  if (dtype_row_fits(want, cols)) return want;
  DType fallback = DType::F32;
  if (want == DType::Q4_K) fallback = DType::Q5_0;
  if (want == DType::Q5_K) fallback = DType::Q5_1;
  if (want == DType::Q6_K) fallback = DType::Q8_0;
  return dtype_row_fits(fallback, cols) ? fallback : DType::F32;
}

int64_t quantized_weight_bytes(const ModelConfig& c, DType type) {
  const int64_t H = c.hidden_size, D = c.intermediate_size, N = c.state_size, K = c.conv_kernel,
                R = c.time_step_rank, V = c.vocab_size;
  auto matrix = [&](int64_t rows, int64_t cols) {
    return int64_t(dtype_tensor_bytes(matrix_weight_type(type, cols), rows, cols));
  };
  const int64_t f32 = int64_t(sizeof(float));
  const int64_t block = matrix(2 * D, H)                           // in_proj [2D, H]
                        + matrix(R + 2 * N, D)                     // x_proj [R + 2N, D]
                        + matrix(D, R)                             // dt_proj [D, R]
                        + matrix(H, D)                             // out_proj [H, D]
                        + f32 * (H                                 // norm
                                 + D * K                           // conv1d
                                 + (c.use_conv_bias ? D : 0) + D   // conv bias, dt_proj bias
                                 + D * N + D                       // A, D
                                 + (c.use_bias ? 2 * D + H : 0));  // in/out_proj biases
  return matrix(V, H) + c.num_layers * block + f32 * H + (c.tie_word_embeddings ? 0 : matrix(V, H));
}

DType parse_weight_type(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string all;
  for (const auto& [n, t] : kTypeNames) {
    if (lower == n) return t;
    all += std::string(all.empty() ? "" : ", ") + n;
  }
  throw Error("unknown weight type '" + std::string(name) + "' (choose " + all + ")");
}

QuantizeReport quantize_model(const fs::path& model, const fs::path& out,
                              const QuantizeOptions& opt) {
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(model, out, ec))
    throw Error("the output " + out.string() + " is the model itself");
  const ModelFiles files = ModelFiles::open(model);
  const ModelConfig& c = files.config;
  const ModelWeights& w = files.weights;
  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  QuantizeReport report;

  GgufWriter g;
  g.set_string("general.architecture", "mamba");
  g.set_string("general.name", files.gguf                 ? model.stem().string()
                               : model.filename().empty() ? model.parent_path().filename().string()
                                                          : model.filename().string());
  g.set_u32("general.alignment", 32);
  g.set_u32("general.quantization_version", 2);
  g.set_u32("general.file_type", file_type(opt.type));
  g.set_u32("mamba.context_length", 1u << 20);  // a state-space model has no context limit
  g.set_u32("mamba.embedding_length", static_cast<uint32_t>(c.hidden_size));
  g.set_u32("mamba.feed_forward_length", 0);
  g.set_u32("mamba.attention.head_count", 0);
  g.set_u32("mamba.block_count", static_cast<uint32_t>(c.num_layers));
  g.set_u32("mamba.ssm.conv_kernel", static_cast<uint32_t>(c.conv_kernel));
  g.set_u32("mamba.ssm.inner_size", static_cast<uint32_t>(c.intermediate_size));
  g.set_u32("mamba.ssm.state_size", static_cast<uint32_t>(c.state_size));
  g.set_u32("mamba.ssm.time_step_rank", static_cast<uint32_t>(c.time_step_rank));
  g.set_f32("mamba.attention.layer_norm_rms_epsilon", static_cast<float>(c.layer_norm_epsilon));
  g.set_bool("mamba.ssm.dt_b_c_rms", c.arch == Arch::FalconMamba);
  if (c.arch == Arch::FalconMamba && c.mixer_rms_eps != 1e-6)
    report.notes.push_back("mixer_rms_eps " + std::to_string(c.mixer_rms_eps) +
                           " is not carried by GGUF: readers use transformers' default 1e-6");

  // tokenizer, chat template and special ids
  if (files.gguf) {
    for (const auto& [key, v] : files.gguf->metadata())
      if (key.starts_with("tokenizer.") || key.starts_with("general.sampling.")) g.set(key, v);
  } else {
    if (fs::exists(model / "tokenizer.json", ec)) {
      const std::string text =
          read_file_text(model / "tokenizer.json", limits::kTokenizerJsonBytes);
      const nlohmann::json tj = parse_json(text, (model / "tokenizer.json").string());
      tok::put_tokenizer(tj, text, (model / "tokenizer.json").string(), g);
    } else if (fs::exists(model / "tokenizer.model", ec)) {
      report.notes.push_back(
          "the SentencePiece tokenizer.model is not written (GGUF files of "
          "Coil carry byte-level BPE tokenizers only)");
    } else {
      report.notes.push_back("no tokenizer in " + model.string() + ": the GGUF holds no tokenizer");
    }
    const ChatConfig chat = ChatConfig::load(model);
    if (chat.chat_template) g.set_string("tokenizer.chat_template", *chat.chat_template);
    const std::vector<int64_t>& eos =
        chat.eos_token_ids.empty() ? c.eos_token_ids : chat.eos_token_ids;
    if (!eos.empty()) g.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eos[0]));
    if (eos.size() > 1) g.set_u32("tokenizer.ggml.eot_token_id", static_cast<uint32_t>(eos[1]));
    const int64_t bos = chat.bos_token_id.value_or(c.bos_token_id);
    if (bos >= 0) g.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos));
    if (c.pad_token_id >= 0)
      g.set_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(c.pad_token_id));
    if (chat.do_sample == false) {  // greedy, as the folder asks: temperature 0, no penalty
      const SamplingParams greedy = chat.sampling();
      g.set_f32("general.sampling.temp", greedy.temperature);
      g.set_f32("general.sampling.penalty_repeat", greedy.repetition_penalty);
    } else {
      if (chat.temperature)
        g.set_f32("general.sampling.temp", static_cast<float>(*chat.temperature));
      if (chat.top_p) g.set_f32("general.sampling.top_p", static_cast<float>(*chat.top_p));
      if (chat.top_k && *chat.top_k >= 0)
        g.set_u32("general.sampling.top_k", static_cast<uint32_t>(*chat.top_k));
      if (chat.repetition_penalty)
        g.set_f32("general.sampling.penalty_repeat", static_cast<float>(*chat.repetition_penalty));
    }
  }

  // the tensors: matrices in the requested type where they fit, the rest F32
  std::vector<Job> jobs;
  // `shown`: the name in notes (blk.*.ssm_dt.weight: one note for every layer)
  auto matrix = [&](const std::string& name, const TensorView* v, std::string shown = "") {
    const int64_t cols = v->shape.back();
    const DType t = matrix_weight_type(opt.type, cols);
    if (t != opt.type)
      report.notes.push_back((shown.empty() ? name : shown) + " is " + dtype_name(t) +
                             ": its rows of " + std::to_string(cols) + " values are not whole " +
                             dtype_name(opt.type) + " blocks");
    else
      ++report.quantized;
    jobs.push_back({name, v, t, v->shape});
  };
  auto f32 = [&](const std::string& name, const TensorView* v, std::vector<int64_t> shape,
                 bool neg_exp = false) {
    if (v) jobs.push_back({name, v, DType::F32, std::move(shape), neg_exp});
  };
  const int64_t D = c.intermediate_size, K = c.conv_kernel;
  matrix("token_embd.weight", w.embeddings);
  f32("output_norm.weight", w.norm_f, w.norm_f->shape);
  if (w.lm_head != w.embeddings) matrix("output.weight", w.lm_head);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const LayerWeights& l = w.layers[static_cast<size_t>(i)];
    auto name = [&](const char* role) { return gguf_layer_tensor(i, role); };
    auto any = [&](const char* role) {
      std::string n = gguf_layer_tensor(i, role);
      return "blk.*" + n.substr(n.find('.', 4));
    };
    f32(name("norm"), l.norm, l.norm->shape);
    matrix(name("in_proj"), l.in_proj, any("in_proj"));
    if (l.in_proj_bias) f32(name("in_proj_bias"), l.in_proj_bias, l.in_proj_bias->shape);
    f32(name("conv1d"), l.conv_weight, {D, K});
    if (l.conv_bias) f32(name("conv1d_bias"), l.conv_bias, l.conv_bias->shape);
    matrix(name("x_proj"), l.x_proj, any("x_proj"));
    matrix(name("dt_proj"), l.dt_proj, any("dt_proj"));
    f32(name("dt_proj_bias"), l.dt_proj_bias, l.dt_proj_bias->shape);
    if (l.A_log)
      f32(name("A"), l.A_log, l.A_log->shape, /*neg_exp=*/true);
    else
      f32(name("A"), l.A, l.A->shape);
    f32(name("D"), l.D, l.D->shape);
    matrix(name("out_proj"), l.out_proj, any("out_proj"));
    if (l.out_proj_bias) f32(name("out_proj_bias"), l.out_proj_bias, l.out_proj_bias->shape);
  }
  // a note per type of fallback is enough
  std::sort(report.notes.begin(), report.notes.end());
  report.notes.erase(std::unique(report.notes.begin(), report.notes.end()), report.notes.end());

  uint64_t total = 0, done = 0;
  for (const Job& j : jobs) total += j.src->nbytes;
  for (const Job& j : jobs) {
    g.add_tensor(j.name, j.type, j.shape, [&, j](uint8_t* dst) {
      convert(j, dst, threads);
      done += j.src->nbytes;
      if (opt.progress) opt.progress(total ? double(done) / total : 1.0, j.name);
    });
  }
  g.write(out);
  report.tensors = static_cast<int>(jobs.size());
  report.bytes = fs::file_size(out, ec);
  return report;
}

}  // namespace coil
