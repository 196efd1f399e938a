// One sequence running through a model: its recurrent state on the device plus the
// scratch tensors of one prefill chunk. Not thread-safe: one thread drives a session.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "coil/backend.hpp"
#include "coil/model.hpp"
#include "coil/state.hpp"

namespace coil {

class Session {
 public:
  // `fused_decode` false: single tokens take the unfused ops even where the fused ones run.
  explicit Session(const Model& model, bool fused_decode = true);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Model& model() const { return model_; }

  // Forgets everything: zero state, no tokens.
  void reset();

  // Runs `ids` through the model in chunks of model().chunk_size() (a single id takes the
  // decode path). `logits`: nullptr for none; else [V] floats for the last token, or
  // [ids.size(), V] when all_logits. Returns false if `cancel` became true between chunks:
  // the state then covers the tokens processed so far (n_tokens() says how many).
  bool eval(std::span<const int32_t> ids, float* logits, bool all_logits = false,
            const std::atomic<bool>* cancel = nullptr);

  // One token through the pre-recorded decode graph: no allocation, [V] logits out.
  void decode(int32_t id, float* logits);

  int64_t n_tokens() const { return n_tokens_; }
  uint64_t token_hash() const { return token_hash_; }
  size_t state_bytes() const;  // the state payload (fp32), e.g. ~38 MiB for the 7B

  // Whether single tokens take the fused decode ops (NormMatMul, ProjScan, MatMulAdd: 5 ops
  // per layer instead of 11). True when the backend supports all three for this model's
  // weight dtypes, unless the model was opened with ModelOptions::fused_decode false or the
  // session constructed with fused_decode false.
  bool fused_decode() const { return fused_decode_; }

  RecurrentState save_state() const;
  // Throws coil::Error if the state belongs to another model or has other dimensions.
  void restore_state(const RecurrentState& state);
  // The same from a view (a mapped state file, a database blob): uploads from there.
  void restore_state(const StateView& state);

 private:
  void run_chunk(int64_t T, bool want_logits, bool all_rows);
  void run_layer(size_t l, int64_t T);
  void run_layer_fused(size_t l);
  void record_decode();

  const Model& model_;
  Backend& be_;
  int64_t chunk_;
  bool fused_decode_ = false;
  // Scratch for one chunk of up to `chunk_` tokens.
  Tensor ids_;     // [1, C] I32
  Tensor h_;       // [C, H] residual stream
  Tensor xn_;      // [C, H] normed
  Tensor xz_;      // [C, 2D] in_proj output: xs | z
  Tensor xc_;      // [C, D] conv output
  Tensor dbc_;     // [C, R+2N] x_proj output: dt | B | C
  Tensor dt_;      // [C, D] dt_proj output
  Tensor y_;       // [C, D] scan output
  Tensor o_;       // [C, H] out_proj output
  Tensor logits_;  // [C, V]
  // Recurrent state, per layer.
  std::vector<Tensor> conv_state_;  // [K-1, D]
  std::vector<Tensor> ssm_state_;   // [D, N]
  std::unique_ptr<Graph> decode_graph_;
  int64_t n_tokens_ = 0;
  uint64_t token_hash_ = 0;
};

}  // namespace coil
