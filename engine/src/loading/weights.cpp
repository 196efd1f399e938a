// Binds the tensors of a store to the config by Hugging Face name and checks every shape
// and dtype against it; nothing may be missing and nothing may be left over.
#include "coil/weights.hpp"

#include <set>

#include "coil/error.hpp"
#include "loading/shape_text.hpp"

namespace coil {
namespace {

// What the config says about one tensor: its shape and the fields that determine it.
struct Expect {
  std::vector<int64_t> shape;
  std::string because;  // "hidden_size 64, intermediate_size 128"
};

class Binder {
 public:
  Binder(const ModelConfig& c, const TensorStore& s) : c_(c), s_(s) {}

  const TensorView* bind(const std::string& name, const Expect& e) {
    const TensorView* v = s_.find(name);
    if (!v)
      throw Error("missing tensor " + name + " in " + s_.dir().string() +
                  " (config.json: " + c_.architecture + ", num_hidden_layers " +
                  std::to_string(c_.num_layers) + ", use_bias " + (c_.use_bias ? "true" : "false") +
                  ", use_conv_bias " + (c_.use_conv_bias ? "true" : "false") + ")");
    if (v->dtype != DType::F32 && v->dtype != DType::F16 && v->dtype != DType::BF16)
      throw Error("tensor " + name + " in " + v->file.string() + " has dtype " +
                  dtype_name(v->dtype) + "; weights must be F32, F16 or BF16");
    if (v->shape != e.shape)
      throw Error("tensor " + name + " in " + v->file.string() + " has shape " +
                  shape_text(v->shape) + " but config.json (" + e.because + ") implies " +
                  shape_text(e.shape));
    bound_.insert(name);
    return v;
  }

  // Every tensor of the store that was not bound is an error.
  void check_leftovers() const {
    for (const auto& [name, v] : s_.all()) {
      if (bound_.count(name)) continue;
      std::string why =
          "not part of a " + c_.architecture + " with " + std::to_string(c_.num_layers) + " layers";
      if (name == "lm_head.weight" && c_.tie_word_embeddings)
        why =
            "present although config.json has tie_word_embeddings true (the head is the "
            "embedding matrix)";
      else if (!c_.use_bias && (name.ends_with("in_proj.bias") || name.ends_with("out_proj.bias")))
        why = "present although config.json has use_bias false";
      else if (!c_.use_conv_bias && name.ends_with("conv1d.bias"))
        why = "present although config.json has use_conv_bias false";
      else if (name.starts_with("backbone.layers."))
        why = "not expected: config.json has num_hidden_layers " + std::to_string(c_.num_layers);
      throw Error("unexpected tensor " + name + " in " + v->file.string() + ": " + why);
    }
  }

 private:
  const ModelConfig& c_;
  const TensorStore& s_;
  std::set<std::string> bound_;
};

std::string f(const char* name, int64_t v) {
  return std::string(name) + " " + std::to_string(v);
}

}  // namespace

ModelWeights ModelWeights::bind(const ModelConfig& c, const TensorStore& store) {
  const int64_t V = c.vocab_size, H = c.hidden_size, D = c.intermediate_size, N = c.state_size,
                K = c.conv_kernel, R = c.time_step_rank;
  const std::string sH = f("hidden_size", H), sD = f("intermediate_size", D),
                    sV = f("vocab_size", V), sN = f("state_size", N), sK = f("conv_kernel", K),
                    sR = f("time_step_rank", R);
  Binder b(c, store);
  ModelWeights w;
  w.embeddings = b.bind("backbone.embeddings.weight", {{V, H}, sV + ", " + sH});
  w.layers.resize(static_cast<size_t>(c.num_layers));
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    const std::string m = p + "mixer.";
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    l.norm = b.bind(p + "norm.weight", {{H}, sH});
    l.in_proj = b.bind(m + "in_proj.weight", {{2 * D, H}, sH + ", " + sD});
    if (c.use_bias) l.in_proj_bias = b.bind(m + "in_proj.bias", {{2 * D}, sD});
    l.conv_weight = b.bind(m + "conv1d.weight", {{D, 1, K}, sD + ", " + sK});
    if (c.use_conv_bias) l.conv_bias = b.bind(m + "conv1d.bias", {{D}, sD});
    l.x_proj = b.bind(m + "x_proj.weight", {{R + 2 * N, D}, sD + ", " + sN + ", " + sR});
    l.dt_proj = b.bind(m + "dt_proj.weight", {{D, R}, sD + ", " + sR});
    l.dt_proj_bias = b.bind(m + "dt_proj.bias", {{D}, sD});
    l.A_log = b.bind(m + "A_log", {{D, N}, sD + ", " + sN});
    l.D = b.bind(m + "D", {{D}, sD});
    l.out_proj = b.bind(m + "out_proj.weight", {{H, D}, sH + ", " + sD});
    if (c.use_bias) l.out_proj_bias = b.bind(m + "out_proj.bias", {{H}, sH});
  }
  w.norm_f = b.bind("backbone.norm_f.weight", {{H}, sH});
  if (c.tie_word_embeddings) {
    w.lm_head = w.embeddings;
  } else {
    if (!store.find("lm_head.weight"))
      throw Error("missing tensor lm_head.weight in " + store.dir().string() +
                  ": config.json has tie_word_embeddings false, so the checkpoint must hold its "
                  "own output head");
    w.lm_head = b.bind("lm_head.weight", {{V, H}, sV + ", " + sH});
  }
  b.check_leftovers();
  return w;
}

}  // namespace coil
