// Binds the tensors of a checkpoint to the config by name (Hugging Face's or GGUF's) and
// checks every shape and dtype against it; nothing may be missing and nothing left over.
#include "coil/weights.hpp"

#include <functional>
#include <set>

#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "loading/shape_text.hpp"

namespace coil {

// GGUF (llama.cpp's names): blk.{i}.attn_norm.weight, blk.{i}.ssm_in.weight, ...
std::string gguf_layer_tensor(int64_t i, const char* role) {
  const std::string p = "blk." + std::to_string(i) + ".";
  const std::string r = role;
  static const std::pair<const char*, const char*> kNames[] = {
      {"norm", "attn_norm"}, {"in_proj", "ssm_in"}, {"conv1d", "ssm_conv1d"},
      {"x_proj", "ssm_x"},   {"dt_proj", "ssm_dt"}, {"out_proj", "ssm_out"}};
  if (r == "A") return p + "ssm_a";
  if (r == "D") return p + "ssm_d";
  const bool bias = r.ends_with("_bias");
  const std::string base = bias ? r.substr(0, r.size() - 5) : r;
  for (const auto& [hf, gg] : kNames)
    if (base == hf) return p + gg + (bias ? ".bias" : ".weight");
  return p + r;
}

namespace {

// What the config says about one tensor: its shape and the fields that determine it.
struct Expect {
  std::vector<int64_t> shape;
  std::string because;                  // "hidden_size 64, intermediate_size 128"
  std::vector<int64_t> alt_shape = {};  // another accepted shape (GGUF's 2-D conv weight)
};

// How a checkpoint format names the tensors and the config fields (for messages).
struct Naming {
  std::string embeddings, norm_f, lm_head, config;  // config: what the config is called
  std::string hidden, inner, vocab, state, kernel, rank, layers;
  std::string (*layer)(int64_t i, const char* role);  // roles: gguf_layer_tensor (weights.hpp)
  bool gguf = false;
};

// Hugging Face: backbone.layers.{i}.norm.weight, backbone.layers.{i}.mixer.<role>
std::string hf_layer(int64_t i, const char* role) {
  const std::string p = "backbone.layers." + std::to_string(i) + ".";
  const std::string r = role;
  if (r == "norm") return p + "norm.weight";
  if (r == "A") return p + "mixer.A_log";
  if (r == "D") return p + "mixer.D";
  if (r.ends_with("_bias")) return p + "mixer." + r.substr(0, r.size() - 5) + ".bias";
  return p + "mixer." + r + ".weight";
}

const Naming kHf{"backbone.embeddings.weight",
                 "backbone.norm_f.weight",
                 "lm_head.weight",
                 "config.json",
                 "hidden_size",
                 "intermediate_size",
                 "vocab_size",
                 "state_size",
                 "conv_kernel",
                 "time_step_rank",
                 "num_hidden_layers",
                 hf_layer,
                 false};
const Naming kGguf{"token_embd.weight",
                   "output_norm.weight",
                   "output.weight",
                   "its metadata",
                   "mamba.embedding_length",
                   "mamba.ssm.inner_size",
                   "the vocabulary",
                   "mamba.ssm.state_size",
                   "mamba.ssm.conv_kernel",
                   "mamba.ssm.time_step_rank",
                   "mamba.block_count",
                   gguf_layer_tensor,
                   true};

class Binder {
 public:
  Binder(const ModelConfig& c, const Naming& n,
         std::function<const TensorView*(const std::string&)> find,
         std::vector<std::pair<std::string, std::filesystem::path>> all, std::string where)
      : c_(c), n_(n), find_(std::move(find)), all_(std::move(all)), where_(std::move(where)) {}

  const TensorView* find(const std::string& name) const { return find_(name); }
  const std::string& where() const { return where_; }

  const TensorView* bind(const std::string& name, const Expect& e) {
    const TensorView* v = find_(name);
    if (!v)
      throw Error("missing tensor " + name + " in " + where_ + " (" + n_.config + ": " +
                  c_.architecture + ", " + n_.layers + " " + std::to_string(c_.num_layers) +
                  ", use_bias " + (c_.use_bias ? "true" : "false") + ", use_conv_bias " +
                  (c_.use_conv_bias ? "true" : "false") + ")");
    const bool float_type =
        v->dtype == DType::F32 || v->dtype == DType::F16 || v->dtype == DType::BF16;
    if (!float_type && !(n_.gguf && dtype_is_quantized(v->dtype)))
      throw Error("tensor " + name + " in " + v->file.string() + " has dtype " +
                  dtype_name(v->dtype) + "; weights must be F32, F16 or BF16" +
                  (n_.gguf ? " or a GGUF quantization" : ""));
    if (v->shape != e.shape && (e.alt_shape.empty() || v->shape != e.alt_shape))
      throw Error("tensor " + name + " in " + v->file.string() + " has shape " +
                  shape_text(v->shape) + " but " + n_.config + " (" + e.because + ") implies " +
                  shape_text(e.shape));
    bound_.insert(name);
    return v;
  }

  // Every tensor of the store that was not bound is an error.
  void check_leftovers() const {
    for (const auto& [name, file] : all_) {
      if (bound_.count(name)) continue;
      std::string why =
          "not part of a " + c_.architecture + " with " + std::to_string(c_.num_layers) + " layers";
      if (n_.gguf)  // use_bias, use_conv_bias and tying come from the tensors themselves
        why += " whose layers have the tensors of blk.0";
      else if (name == n_.lm_head && c_.tie_word_embeddings)
        why =
            "present although config.json has tie_word_embeddings true (the head is the "
            "embedding matrix)";
      else if (!c_.use_bias && (name.ends_with("in_proj.bias") || name.ends_with("out_proj.bias")))
        why = "present although config.json has use_bias false";
      else if (!c_.use_conv_bias && name.ends_with("conv1d.bias"))
        why = "present although config.json has use_conv_bias false";
      else if (name.starts_with("backbone.layers."))
        why = "not expected: " + n_.config + " has " + n_.layers + " " +
              std::to_string(c_.num_layers);
      throw Error("unexpected tensor " + name + " in " + file.string() + ": " + why);
    }
  }

 private:
  const ModelConfig& c_;
  const Naming& n_;
  std::function<const TensorView*(const std::string&)> find_;
  std::vector<std::pair<std::string, std::filesystem::path>> all_;
  std::string where_;
  std::set<std::string> bound_;
};

std::string f(const std::string& name, int64_t v) {
  return name + " " + std::to_string(v);
}

ModelWeights bind_with(const ModelConfig& c, const Naming& nm, Binder& b) {
  const int64_t V = c.vocab_size, H = c.hidden_size, D = c.intermediate_size, N = c.state_size,
                K = c.conv_kernel, R = c.time_step_rank;
  const std::string sH = f(nm.hidden, H), sD = f(nm.inner, D), sV = f(nm.vocab, V),
                    sN = f(nm.state, N), sK = f(nm.kernel, K), sR = f(nm.rank, R);
  ModelWeights w;
  w.embeddings = b.bind(nm.embeddings, {{V, H}, sV + ", " + sH});
  w.layers.resize(static_cast<size_t>(c.num_layers));
  for (int64_t i = 0; i < c.num_layers; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    auto name = [&](const char* role) { return nm.layer(i, role); };
    l.norm = b.bind(name("norm"), {{H}, sH});
    l.in_proj = b.bind(name("in_proj"), {{2 * D, H}, sH + ", " + sD});
    if (c.use_bias) l.in_proj_bias = b.bind(name("in_proj_bias"), {{2 * D}, sD});
    // HF stores the depthwise conv as [D, 1, K]; llama.cpp's GGUF as [D, K]
    const std::vector<int64_t> conv3{D, 1, K}, conv2{D, K};
    l.conv_weight = b.bind(name("conv1d"), {nm.gguf ? conv2 : conv3, sD + ", " + sK,
                                            nm.gguf ? conv3 : std::vector<int64_t>{}});
    if (c.use_conv_bias) l.conv_bias = b.bind(name("conv1d_bias"), {{D}, sD});
    l.x_proj = b.bind(name("x_proj"), {{R + 2 * N, D}, sD + ", " + sN + ", " + sR});
    l.dt_proj = b.bind(name("dt_proj"), {{D, R}, sD + ", " + sR});
    l.dt_proj_bias = b.bind(name("dt_proj_bias"), {{D}, sD});
    (nm.gguf ? l.A : l.A_log) = b.bind(name("A"), {{D, N}, sD + ", " + sN});
    l.D = b.bind(name("D"), {{D}, sD});
    l.out_proj = b.bind(name("out_proj"), {{H, D}, sH + ", " + sD});
    if (c.use_bias) l.out_proj_bias = b.bind(name("out_proj_bias"), {{H}, sH});
  }
  w.norm_f = b.bind(nm.norm_f, {{H}, sH});
  if (c.tie_word_embeddings) {
    w.lm_head = w.embeddings;
  } else {
    if (!b.find(nm.lm_head))  // (a GGUF unties exactly when it has the head)
      throw Error("missing tensor " + nm.lm_head + " in " + b.where() +
                  ": config.json has tie_word_embeddings false, so the checkpoint must hold its "
                  "own output head");
    w.lm_head = b.bind(nm.lm_head, {{V, H}, sV + ", " + sH});
  }
  b.check_leftovers();
  return w;
}

}  // namespace

ModelWeights ModelWeights::bind(const ModelConfig& c, const TensorStore& store) {
  std::vector<std::pair<std::string, std::filesystem::path>> all;
  for (const auto& [name, v] : store.all()) all.emplace_back(name, v->file);
  Binder b(
      c, kHf, [&](const std::string& n) { return store.find(n); }, std::move(all),
      store.dir().string());
  return bind_with(c, kHf, b);
}

ModelWeights ModelWeights::bind_gguf(const ModelConfig& c, const GgufFile& file) {
  std::vector<std::pair<std::string, std::filesystem::path>> all;
  for (const auto& t : file.tensor_infos()) all.emplace_back(t.name, file.path());
  Binder b(
      c, kGguf, [&](const std::string& n) { return file.find_tensor(n); }, std::move(all),
      file.path().string());
  return bind_with(c, kGguf, b);
}

}  // namespace coil
