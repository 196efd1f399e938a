// Model: opening a folder (with the fallback to the CPU), fingerprinting and uploading the
// weights with progress and cancellation, and choosing the backend.
#include "coil/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/weights.hpp"
#include "model/load_tracker.hpp"

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
constexpr size_t kWhole = 1 << 20, kSample = 16 << 10, kSamples = 64;

// The bytes hash_tensor reads (the unit of the fingerprinting stage's progress).
size_t hashed_bytes(const TensorView& v) {
  return v.nbytes <= kWhole ? v.nbytes : kSample * kSamples;
}

void hash_tensor(Hasher& h, const TensorView& v) {
  h.update(v.name);
  h.update_value(static_cast<uint8_t>(v.dtype));
  for (int64_t d : v.shape) h.update_value(d);
  const auto* p = static_cast<const uint8_t*>(v.data);
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
    for (const TensorView* t :
         {l.norm, l.in_proj, l.in_proj_bias, l.conv_weight, l.conv_bias, l.x_proj, l.dt_proj,
          l.dt_proj_bias, l.A_log, l.A, l.D, l.out_proj, l.out_proj_bias})
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
  m->name_ = files->gguf              ? dir.stem().string()
             : dir.filename().empty() ? dir.parent_path().filename().string()
                                      : dir.filename().string();
  m->chunk_size_ = opts.chunk_size;
  LoadTracker progress(opts.progress, opts.cancel);
  progress.check_cancel();
  const ModelWeights& w = files->weights;
  const DType weight_dtype = w.layers.empty() ? w.embeddings->dtype : w.layers[0].in_proj->dtype;
  m->fused_decode_allowed_ = opts.fused_decode;
  m->backend_ = choose_backend(opts.backend_choice(allow_fallback), weight_dtype,
                               &m->fallback_reason_, weight_needs(w));
  try {
    m->upload(files->weights, files, progress);
  } catch (const LoadCancelled&) {
    throw;  // `m` and `files` go: the backend's buffers and the mappings are released
  } catch (const Error& e) {
    // e.g. the GPU is out of memory for these weights: fall back to the CPU when allowed
    const std::string failed = m->backend_->info().name;
    if (!allow_fallback && opts.backend != "auto") throw;
    if (failed == "cpu") throw;
    m->backend_.reset();  // upload() released its tensors first
    m->backend_ = create_backend("cpu", opts.backend_options);
    m->fallback_reason_ += std::string(m->fallback_reason_.empty() ? "" : "; ") + e.what();
    m->upload(files->weights, files, progress);
  }
  return m;
}

Model::~Model() = default;

BackendChoice ModelOptions::backend_choice(bool allow_fallback) const {
  BackendChoice c;
  c.backend = backend;
  c.options = backend_options;
  c.allow_fallback = allow_fallback;
  c.self_check = self_check;
  c.self_check_fault = self_check_fault;
  return c;
}

void Model::upload(const ModelWeights& w, std::shared_ptr<const void> keepalive,
                   LoadTracker& progress) {
  Backend& be = *backend_;
  const auto& c = config_;
  const int64_t H = c.hidden_size, D = c.intermediate_size, N = c.state_size;
  const int64_t R = c.time_step_rank, K = c.conv_kernel, V = c.vocab_size;
  weight_dtype_ = w.layers.empty() ? w.embeddings->dtype : w.layers[0].in_proj->dtype;
  keepalive_ = std::move(keepalive);
  try {
    uint64_t work = 0;
    weight_bytes_ = 0;
    for_each_tensor(w, [&](const TensorView& v) {
      weight_bytes_ += v.nbytes;
      work += hashed_bytes(v) + v.nbytes;  // fingerprinted, then uploaded
    });
    progress.begin_attempt(work);

    progress.set_stage("Checking the weights");
    Hasher fp;
    fp.update(c.canonical());
    for_each_tensor(w, [&](const TensorView& v) {
      progress.check_cancel();
      hash_tensor(fp, v);
      progress.advance(hashed_bytes(v));
    });
    fingerprint_ = fp.digest();
    // decode reads every weight once, but only one row of the embedding table
    decode_bytes_ = weight_bytes_ - w.embeddings->nbytes + dtype_row_bytes(w.embeddings->dtype, H);
    if (w.lm_head == w.embeddings) decode_bytes_ += w.embeddings->nbytes;

    progress.set_stage("Uploading the weights to " + be.info().name);
    // Runs one tensor's upload between two cancellation points and counts its bytes.
    const auto step = [&](const TensorView* v, const auto& upload_one) {
      if (!v) return Tensor();
      progress.check_cancel();
      Tensor t = upload_one(*v);
      progress.advance(v->nbytes);
      return t;
    };
    const auto weight = [&](int64_t rows, int64_t cols) {
      return [&be, rows, cols](const TensorView& v) { return be.upload_weight(v, rows, cols); };
    };
    const auto vector = [&be](const TensorView& v) { return upload_f32_vector(be, v); };

    embeddings_ = step(w.embeddings, weight(V, H));
    lm_head_ = w.lm_head == w.embeddings ? embeddings_ : step(w.lm_head, weight(V, H));
    norm_f_ = step(w.norm_f, vector);
    layers_.clear();
    for (const auto& lw : w.layers) {
      LayerTensors t;
      t.norm = step(lw.norm, vector);
      t.in_proj = step(lw.in_proj, weight(2 * D, H));
      t.in_proj_bias = step(lw.in_proj_bias, vector);
      t.conv_weight =
          step(lw.conv_weight, [&](const TensorView& v) { return upload_f32_matrix(be, v, D, K); });
      t.conv_bias = step(lw.conv_bias, vector);
      t.x_proj = step(lw.x_proj, weight(R + 2 * N, D));
      t.dt_proj = step(lw.dt_proj, weight(D, R));
      t.dt_bias = step(lw.dt_proj_bias, vector);
      const bool log_form = lw.A_log != nullptr;  // HF stores A_log, GGUF A itself
      t.A = step(log_form ? lw.A_log : lw.A, [&](const TensorView& v) {
        std::vector<float> a(D * N);  // [D, N] = -exp(A_log)
        convert_to_f32(v.dtype, v.data, a.data(), a.size());
        if (log_form)
          for (float& x : a) x = -std::exp(x);
        Tensor out = be.alloc(DType::F32, D, N);
        be.upload(out, a.data());
        return out;
      });
      t.Dskip = step(lw.D, vector);
      t.out_proj = step(lw.out_proj, weight(H, D));
      t.out_proj_bias = step(lw.out_proj_bias, vector);
      layers_.push_back(std::move(t));
    }
    be.synchronize();
    progress.finish();
  } catch (...) {
    release_weights();
    throw;
  }
}

void Model::release_weights() {
  layers_.clear();
  embeddings_ = norm_f_ = lm_head_ = Tensor();
  keepalive_.reset();
}

WeightNeeds weight_needs(const ModelWeights& w) {
  WeightNeeds needs{{Op::GetRows, w.embeddings->dtype}, {Op::MatMul, w.lm_head->dtype}};
  for (const auto& l : w.layers)
    for (const TensorView* t : {l.in_proj, l.x_proj, l.dt_proj, l.out_proj})
      needs.emplace_back(Op::MatMul, t->dtype);
  std::sort(needs.begin(), needs.end());
  needs.erase(std::unique(needs.begin(), needs.end()), needs.end());
  return needs;
}

}  // namespace coil
