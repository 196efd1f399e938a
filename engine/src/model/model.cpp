#include "coil/model.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/weights.hpp"

namespace coil {
namespace {

// A small weight vector widened to F32 as a [1, n] tensor (norms, biases, D).
Tensor upload_f32_vector(Backend& be, const TensorView& v) {
  std::vector<float> host(v.numel());
  convert_to_f32(v.dtype, v.data, host.data(), host.size());
  Tensor t = be.alloc(DType::F32, 1, static_cast<int64_t>(host.size()));
  be.upload(t, host.data());
  return t;
}

Tensor upload_f32_matrix(Backend& be, const TensorView& v, int64_t rows, int64_t cols) {
  std::vector<float> host(rows * cols);
  convert_to_f32(v.dtype, v.data, host.data(), host.size());
  Tensor t = be.alloc(DType::F32, rows, cols);
  be.upload(t, host.data());
  return t;
}

// Fingerprint: the canonical config, every tensor's name, dtype and shape, and its data
// (whole for tensors up to 1 MiB; else 64 samples of 16 KiB spread over the tensor, so
// that fingerprinting a 14 GB checkpoint reads ~1 MB per tensor, not all of it).
void hash_tensor(Hasher& h, const TensorView& v) {
  h.update(v.name);
  h.update_value(static_cast<uint8_t>(v.dtype));
  for (int64_t d : v.shape) h.update_value(d);
  const auto* p = static_cast<const uint8_t*>(v.data);
  constexpr size_t kWhole = 1 << 20, kSample = 16 << 10, kSamples = 64;
  if (v.nbytes <= kWhole) {
    h.update(p, v.nbytes);
    return;
  }
  for (size_t i = 0; i < kSamples; ++i) {
    const size_t off = (v.nbytes - kSample) / (kSamples - 1) * i;
    h.update(p + off, kSample);
  }
}

void for_each_tensor(const ModelWeights& w, const std::function<void(const TensorView&)>& fn) {
  fn(*w.embeddings);
  for (const auto& l : w.layers)
    for (const TensorView* t : {l.norm, l.in_proj, l.in_proj_bias, l.conv_weight, l.conv_bias,
                                l.x_proj, l.dt_proj, l.dt_proj_bias, l.A_log, l.D, l.out_proj,
                                l.out_proj_bias})
      if (t) fn(*t);
  fn(*w.norm_f);
  if (w.lm_head != w.embeddings) fn(*w.lm_head);
}

}  // namespace

std::unique_ptr<Model> Model::open(const std::filesystem::path& dir, const ModelOptions& opts,
                                   bool allow_fallback) {
  auto files = std::make_shared<ModelFiles>(ModelFiles::open(dir));
  std::unique_ptr<Model> m(new Model());
  m->config_ = files->config;
  m->dir_ = dir;
  m->name_ = dir.filename().empty() ? dir.parent_path().filename().string()
                                    : dir.filename().string();
  m->chunk_size_ = opts.chunk_size;
  m->backend_ = choose_backend(opts, allow_fallback, &m->fallback_reason_);
  try {
    m->upload(files->weights, files);
  } catch (const Error& e) {
    // e.g. the GPU is out of memory for these weights: fall back to the CPU when allowed
    const std::string failed = m->backend_->info().name;
    if (!allow_fallback && opts.backend != "auto") throw;
    if (failed == "cpu") throw;
    m->backend_.reset();
    ModelOptions cpu = opts;
    cpu.backend = "cpu";
    m->backend_ = create_backend("cpu", cpu.backend_options);
    m->fallback_reason_ += std::string(m->fallback_reason_.empty() ? "" : "; ") + e.what();
    m->upload(files->weights, files);
  }
  return m;
}

Model::~Model() = default;

void Model::upload(const ModelWeights& w, std::shared_ptr<const void> keepalive) {
  Backend& be = *backend_;
  const auto& c = config_;
  const int64_t H = c.hidden_size, D = c.intermediate_size, N = c.state_size;
  const int64_t R = c.time_step_rank, K = c.conv_kernel, V = c.vocab_size;
  weight_dtype_ = w.layers.empty() ? w.embeddings->dtype : w.layers[0].in_proj->dtype;
  keepalive_ = std::move(keepalive);

  Hasher fp;
  fp.update(c.canonical());
  weight_bytes_ = 0;
  for_each_tensor(w, [&](const TensorView& v) {
    hash_tensor(fp, v);
    weight_bytes_ += v.nbytes;
  });
  fingerprint_ = fp.digest();
  // decode reads every weight once, but only one row of the embedding table
  decode_bytes_ = weight_bytes_ - w.embeddings->nbytes + H * dtype_size(w.embeddings->dtype);
  if (w.lm_head == w.embeddings) decode_bytes_ += w.embeddings->nbytes;

  embeddings_ = be.upload_weight(*w.embeddings, V, H);
  lm_head_ = w.lm_head == w.embeddings ? embeddings_ : be.upload_weight(*w.lm_head, V, H);
  norm_f_ = upload_f32_vector(be, *w.norm_f);
  layers_.clear();
  for (const auto& lw : w.layers) {
    LayerTensors t;
    t.norm = upload_f32_vector(be, *lw.norm);
    t.in_proj = be.upload_weight(*lw.in_proj, 2 * D, H);
    if (lw.in_proj_bias) t.in_proj_bias = upload_f32_vector(be, *lw.in_proj_bias);
    t.conv_weight = upload_f32_matrix(be, *lw.conv_weight, D, K);
    if (lw.conv_bias) t.conv_bias = upload_f32_vector(be, *lw.conv_bias);
    t.x_proj = be.upload_weight(*lw.x_proj, R + 2 * N, D);
    t.dt_proj = be.upload_weight(*lw.dt_proj, D, R);
    t.dt_bias = upload_f32_vector(be, *lw.dt_proj_bias);
    std::vector<float> a(D * N);
    convert_to_f32(lw.A_log->dtype, lw.A_log->data, a.data(), a.size());
    for (float& v : a) v = -std::exp(v);
    t.A = be.alloc(DType::F32, D, N);
    be.upload(t.A, a.data());
    t.Dskip = upload_f32_vector(be, *lw.D);
    t.out_proj = be.upload_weight(*lw.out_proj, H, D);
    if (lw.out_proj_bias) t.out_proj_bias = upload_f32_vector(be, *lw.out_proj_bias);
    layers_.push_back(std::move(t));
  }
  be.synchronize();
}

std::unique_ptr<Backend> choose_backend(const ModelOptions& opts, bool allow_fallback,
                                        std::string* reason) {
  std::vector<std::string> order;
  if (opts.backend == "auto") {
    for (const auto& b : compiled_backends())
      if (b == "cuda" || b == "vulkan") order.push_back(b);
    order.push_back("cpu");
  } else {
    order.push_back(opts.backend);
    if (allow_fallback && opts.backend != "cpu") order.push_back("cpu");
  }
  std::string why;
  for (size_t i = 0; i < order.size(); ++i) {
    BackendOptions bo = opts.backend_options;
    // "auto" uses Vulkan only on a real GPU, not on a CPU driver such as lavapipe
    if (opts.backend == "auto" && order[i] == "vulkan") bo.allow_cpu_device = false;
    try {
      auto be = create_backend(order[i], bo);
      if (reason) *reason = why;
      return be;
    } catch (const Error& e) {
      if (i + 1 == order.size()) throw;
      if (!why.empty()) why += "; ";
      why += e.what();
    }
  }
  throw Error("no backend available");
}

}  // namespace coil
