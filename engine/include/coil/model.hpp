// A loaded model: config + weights on one backend. Immutable and shareable between
// sessions; a Session (session.hpp) holds one sequence's recurrent state.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/config.hpp"
#include "coil/error.hpp"
#include "coil/registry.hpp"

namespace coil {

struct ModelWeights;
class LoadTracker;  // engine/src/model/load_tracker.hpp

// Reports how far Model::open / Model::synthetic got with the weights: `fraction` of the
// work done, in [0, 1], never decreasing, the last call exactly 1.0; `stage` for a person
// ("Checking the weights", "Uploading the weights to cuda"). The work is counted in bytes:
// the bytes read to fingerprint every tensor, then the bytes of every tensor uploaded.
// Called on the loading thread, at most about 200 times per load (each time the fraction
// has grown by 1/200, when the stage changes, and at 1.0).
using LoadProgressFn = std::function<void(double fraction, const std::string& stage)>;

// What a cancelled load throws (its message is "loading cancelled"). Nothing is left
// behind: the partly uploaded weights, the backend and the file mappings are released.
class LoadCancelled : public Error {
 public:
  LoadCancelled() : Error("loading cancelled") {}
};

struct ModelOptions {
  // "auto" (CUDA, then a GPU through Vulkan, then CPU), "cpu", "cpu-ref", "vulkan", "cuda".
  std::string backend = "auto";
  BackendOptions backend_options;
  int64_t chunk_size = 256;  // prefill chunk: memory use is independent of prompt length
  LoadProgressFn progress;   // optional
  // Optional; checked before every tensor is fingerprinted and before every tensor is
  // uploaded (after each progress call too): once true, loading throws LoadCancelled.
  // May be set from any thread.
  const std::atomic<bool>* cancel = nullptr;
  // A GPU backend passes the self-check before it gets the weights (BackendChoice).
  bool self_check = true;
  std::string self_check_fault;  // tests: the op the self-check counts as wrong
  // Sessions decode single tokens with the fused ops where the backend has them (false: the
  // unfused sequence, COIL_FUSED_DECODE=0).
  bool fused_decode = true;

  // The registry's view of these options.
  BackendChoice backend_choice(bool allow_fallback) const;
};

// Per-layer weights on the device. Small vectors are widened to F32 at load time;
// matrices keep their stored dtype.
struct LayerTensors {
  Tensor norm;           // [1, H] F32
  Tensor in_proj;        // [2D, H]
  Tensor in_proj_bias;   // [1, 2D] F32, or invalid
  Tensor conv_weight;    // [D, K] F32
  Tensor conv_bias;      // [1, D] F32, or invalid
  Tensor x_proj;         // [R+2N, D]
  Tensor dt_proj;        // [D, R]
  Tensor dt_bias;        // [1, D] F32
  Tensor A;              // [D, N] F32, = -exp(A_log)
  Tensor Dskip;          // [1, D] F32
  Tensor out_proj;       // [H, D]
  Tensor out_proj_bias;  // [1, H] F32, or invalid
};

class Model {
 public:
  // Opens a Hugging Face model folder or a GGUF file. If the requested backend cannot run
  // (or has no kernels for the weights' dtypes), falls back
  // (CUDA -> Vulkan -> CPU) and says why in fallback_reason(); an explicitly requested
  // backend that fails is an error unless `allow_fallback`.
  static std::unique_ptr<Model> open(const std::filesystem::path& dir, const ModelOptions& opts,
                                     bool allow_fallback = false);
  // Random weights of a published shape, built in memory: "falcon-mamba-7b", "mamba-130m",
  // "mamba-370m", "mamba-1.4b", "mamba-2.8b", and the fixture-sized "tiny".
  static std::unique_ptr<Model> synthetic(const std::string& shape, DType dtype,
                                          const ModelOptions& opts, uint64_t seed = 1);
  static std::vector<std::string> synthetic_shapes();

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  Backend& backend() const { return *backend_; }
  const std::string& fallback_reason() const { return fallback_reason_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& dir() const { return dir_; }  // the folder or the .gguf file
  DType weight_dtype() const { return weight_dtype_; }       // in_proj's (a GGUF may mix types)
  int64_t chunk_size() const { return chunk_size_; }
  // Identifies the exact weights (config + tensor names, shapes, dtypes and data).
  uint64_t fingerprint() const { return fingerprint_; }
  size_t weight_bytes() const { return weight_bytes_; }
  // Bytes one decode step must read: every weight except the embedding table (one row).
  size_t decode_bytes_per_token() const { return decode_bytes_; }
  // ModelOptions::fused_decode: whether sessions may take the fused decode ops.
  bool fused_decode_allowed() const { return fused_decode_allowed_; }

  const Tensor& embeddings() const { return embeddings_; }
  const std::vector<LayerTensors>& layers() const { return layers_; }
  const Tensor& norm_f() const { return norm_f_; }
  const Tensor& lm_head() const { return lm_head_; }

 private:
  Model() = default;
  // Fingerprints and uploads every tensor, reporting to `progress`. On any exception the
  // tensors uploaded so far are released (the backend itself stays).
  void upload(const ModelWeights& w, std::shared_ptr<const void> keepalive, LoadTracker& progress);
  void release_weights();

  ModelConfig config_;
  std::unique_ptr<Backend> backend_;
  std::string fallback_reason_;
  std::string name_;
  std::filesystem::path dir_;
  DType weight_dtype_ = DType::F32;
  int64_t chunk_size_ = 256;
  uint64_t fingerprint_ = 0;
  size_t weight_bytes_ = 0;
  size_t decode_bytes_ = 0;
  bool fused_decode_allowed_ = true;
  std::shared_ptr<const void> keepalive_;  // mapped files or synthetic host memory
  Tensor embeddings_, norm_f_, lm_head_;
  std::vector<LayerTensors> layers_;
};

// What a model's weights ask of a backend: each op with the weight dtype it runs it on
// (GetRows on the embedding table's, MatMul on every matrix's).
WeightNeeds weight_needs(const ModelWeights& w);

}  // namespace coil
