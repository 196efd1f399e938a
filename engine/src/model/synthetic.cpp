// Random weights of published Mamba shapes, built in memory, so benchmarks need no
// download. The values are scaled like a trained model's (unit norms, fan-in scaled
// matrices, A_log = log(1..N)) so long runs stay finite.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/huge_pages.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "coil/weights.hpp"
#include "model/load_tracker.hpp"

namespace coil {
namespace {

struct Shape {
  const char* name;
  Arch arch;
  int64_t H, L, V, D, R;
  bool tied;
};

constexpr Shape kShapes[] = {
    {"tiny", Arch::FalconMamba, 64, 2, 1000, 128, 4, false},
    {"mamba-130m", Arch::Mamba, 768, 24, 50280, 1536, 48, true},
    {"mamba-370m", Arch::Mamba, 1024, 48, 50280, 2048, 64, true},
    {"mamba-1.4b", Arch::Mamba, 2048, 48, 50280, 4096, 128, true},
    {"mamba-2.8b", Arch::Mamba, 2560, 64, 50280, 5120, 160, true},
    {"falcon-mamba-7b", Arch::FalconMamba, 4096, 64, 65024, 8192, 256, false},
    // every 7B dimension, a quarter of its layers: its kernels' shapes in 4.4 GB (benchmarks)
    {"falcon-mamba-7b-16l", Arch::FalconMamba, 4096, 16, 65024, 8192, 256, false},
};

// Owns the host memory of every synthetic tensor and the views onto it. With the CPU
// backend's 2 MiB pages on (BackendOptions::cpu_huge_pages), the large tensors are made in
// such memory and used in place (the backend would copy a model file's weights there; a
// copy of the 7B's 14.5 GB would not fit beside the original), else in ordinary 4 KiB pages
// as a file mapping has them.
struct SyntheticStore {
  std::vector<std::vector<uint8_t>> data;
  std::vector<std::unique_ptr<HugePageMemory>> huge;
  std::vector<std::unique_ptr<TensorView>> views;
};

void fill(uint8_t* out, DType dt, size_t n, float lo, float hi, uint64_t seed) {
  const int threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([=] {
      const size_t b = n * t / threads, e = n * (t + 1) / threads;
      uint64_t s = mix64(seed + t * 0x9e3779b97f4a7c15ull);
      for (size_t i = b; i < e; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const float u = static_cast<float>((s >> 40) * 0x1.0p-24);
        const float v = lo + (hi - lo) * u;
        if (dt == DType::F32)
          std::memcpy(out + i * 4, &v, 4);
        else {
          const uint16_t h = dt == DType::BF16 ? f32_to_bf16(v) : f32_to_f16(v);
          std::memcpy(out + i * 2, &h, 2);
        }
      }
    });
  for (auto& t : ts) t.join();
}

// Random blocks of a block type whose values span about [-range, range]: random codes and
// sub-block scales, with the f16 super-scales set to fit (the bytes a decode reads are what
// a benchmark needs; quantizing random floats properly would take minutes for the 7B).
void fill_blocks(uint8_t* out, DType dt, size_t n_values, float range, uint64_t seed) {
  const size_t bb = dtype_block_bytes(dt), nb = n_values / dtype_block_size(dt);
  uint64_t s = mix64(seed);
  for (size_t i = 0; i < nb * bb; i += 8) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t bits = mix64(s);
    std::memcpy(out + i, &bits, std::min<size_t>(8, nb * bb - i));
  }
  auto put = [&](size_t block, size_t off, float v) {
    const uint16_t h = f32_to_f16(v);
    std::memcpy(out + block * bb + off, &h, 2);
  };
  for (size_t b = 0; b < nb; ++b) switch (dt) {
      case DType::Q8_0:
        put(b, 0, range / 127);
        break;
      case DType::Q4_0:
        put(b, 0, range / 8);
        break;
      case DType::Q5_0:
        put(b, 0, range / 16);
        break;
      case DType::Q4_1:
        put(b, 0, 2 * range / 15), put(b, 2, -range);
        break;
      case DType::Q5_1:
        put(b, 0, 2 * range / 31), put(b, 2, -range);
        break;
      case DType::Q4_K:
        put(b, 0, 2 * range / (63 * 15)), put(b, 2, range / 63);
        break;
      case DType::Q5_K:
        put(b, 0, 2 * range / (63 * 31)), put(b, 2, range / 63);
        break;
      case DType::Q6_K:
        put(b, 208, range / (128 * 32));
        break;
      default:
        break;
    }
}

}  // namespace

std::vector<std::string> Model::synthetic_shapes() {
  std::vector<std::string> names;
  for (const auto& s : kShapes) names.push_back(s.name);
  return names;
}

std::unique_ptr<Model> Model::synthetic(const std::string& shape, DType dtype,
                                        const ModelOptions& opts, uint64_t seed) {
  const Shape* sh = nullptr;
  for (const auto& s : kShapes)
    if (shape == s.name) sh = &s;
  if (!sh) {
    std::string all;
    for (const auto& s : kShapes) all += std::string(all.empty() ? "" : ", ") + s.name;
    throw Error("unknown synthetic model '" + shape + "' (choose " + all + ")");
  }
  if (dtype == DType::I32) throw Error("synthetic models have float or quantized weights");
  // matrices take `dtype` where their rows fit its blocks; with a block type, vectors F32
  const DType vec = dtype_is_quantized(dtype) ? DType::F32 : dtype;

  ModelConfig c;
  c.arch = sh->arch;
  c.architecture = sh->arch == Arch::FalconMamba ? "FalconMambaForCausalLM" : "MambaForCausalLM";
  c.model_type = sh->arch == Arch::FalconMamba ? "falcon_mamba" : "mamba";
  c.vocab_size = sh->V;
  c.hidden_size = sh->H;
  c.intermediate_size = sh->D;
  c.state_size = 16;
  c.num_layers = sh->L;
  c.conv_kernel = 4;
  c.time_step_rank = sh->R;
  c.tie_word_embeddings = sh->tied;
  c.torch_dtype = dtype_name(dtype);

  auto store = std::make_shared<SyntheticStore>();
  const bool huge_pages = opts.backend_options.cpu_huge_pages;
  uint64_t tensor_seed = seed;
  auto make = [&](const std::string& name, std::vector<int64_t> shape_dims, float lo, float hi,
                  DType dt) -> const TensorView* {
    size_t n = 1;
    for (auto d : shape_dims) n *= static_cast<size_t>(d);
    if (dtype_is_quantized(dt)) dt = matrix_weight_type(dt, shape_dims.back());
    const size_t bytes = dtype_row_bytes(dt, static_cast<int64_t>(n));
    uint8_t* data = nullptr;
    const bool huge = huge_pages && bytes >= (size_t{2} << 20);
    if (huge) {
      store->huge.push_back(std::make_unique<HugePageMemory>(bytes));
      data = reinterpret_cast<uint8_t*>(store->huge.back()->data());
    } else {
      store->data.emplace_back(bytes);
      data = store->data.back().data();
    }
    if (dtype_is_quantized(dt))
      fill_blocks(data, dt, n, std::max(-lo, hi), mix64(++tensor_seed));
    else
      fill(data, dt, n, lo, hi, mix64(++tensor_seed));
    auto v = std::make_unique<TensorView>();
    v->name = name;
    v->dtype = dt;
    v->shape = std::move(shape_dims);
    v->data = data;
    v->nbytes = bytes;
    v->huge_pages = huge;
    v->file = "<synthetic " + shape + ">";
    store->views.push_back(std::move(v));
    return store->views.back().get();
  };
  const int64_t H = c.hidden_size, D = c.intermediate_size, N = c.state_size, R = c.time_step_rank;
  const int64_t K = c.conv_kernel, V = c.vocab_size;
  auto scale = [](int64_t fan_in) { return 1.0f / std::sqrt(static_cast<float>(fan_in)); };
  ModelWeights w;
  w.embeddings = make("backbone.embeddings.weight", {V, H}, -0.5f, 0.5f, dtype);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "backbone.layers." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.norm = make(p + "norm.weight", {H}, 0.9f, 1.1f, vec);
    lw.in_proj = make(p + "mixer.in_proj.weight", {2 * D, H}, -scale(H), scale(H), dtype);
    lw.conv_weight = make(p + "mixer.conv1d.weight", {D, 1, K}, -0.5f, 0.5f, vec);
    lw.conv_bias = make(p + "mixer.conv1d.bias", {D}, -0.1f, 0.1f, vec);
    lw.x_proj = make(p + "mixer.x_proj.weight", {R + 2 * N, D}, -scale(D), scale(D), dtype);
    lw.dt_proj = make(p + "mixer.dt_proj.weight", {D, R}, -scale(R), scale(R), dtype);
    lw.dt_proj_bias = make(p + "mixer.dt_proj.bias", {D}, -4.5f, -2.5f, vec);
    lw.A_log = make(p + "mixer.A_log", {D, N}, 0.0f, 2.7f, vec);
    lw.D = make(p + "mixer.D", {D}, 0.9f, 1.1f, vec);
    lw.out_proj = make(p + "mixer.out_proj.weight", {H, D}, -scale(D), scale(D), dtype);
    w.layers.push_back(lw);
  }
  w.norm_f = make("backbone.norm_f.weight", {H}, 0.9f, 1.1f, vec);
  w.lm_head = sh->tied ? w.embeddings : make("lm_head.weight", {V, H}, -scale(H), scale(H), dtype);

  std::unique_ptr<Model> m(new Model());
  m->config_ = c;
  m->name_ = "synthetic " + shape;
  m->chunk_size_ = opts.chunk_size;
  LoadTracker progress(opts.progress, opts.cancel);
  m->fused_decode_allowed_ = opts.fused_decode;
  m->backend_ =
      choose_backend(opts.backend_choice(false), dtype, &m->fallback_reason_, weight_needs(w));
  m->upload(w, store, progress);
  return m;
}

}  // namespace coil
