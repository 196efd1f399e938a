#include "coil/session.hpp"

#include <algorithm>
#include <vector>

#include "coil/error.hpp"
#include "coil/hash.hpp"

namespace coil {
namespace {

bool fused_decode_enabled(const Model& m) {
  if (!m.fused_decode_allowed()) return false;
  const Backend& be = m.backend();
  for (const LayerTensors& w : m.layers())
    if (!be.supports(Op::NormMatMul, w.in_proj.dtype) ||
        !be.supports(Op::ProjScan, w.dt_proj.dtype) ||
        !be.supports(Op::MatMulAdd, w.out_proj.dtype))
      return false;
  return be.supports(Op::NormMatMul, m.lm_head().dtype);
}

}  // namespace

Session::Session(const Model& model, bool fused_decode)
    : model_(model), be_(model.backend()), chunk_(std::max<int64_t>(1, model.chunk_size())) {
  const auto& c = model.config();
  const int64_t H = c.hidden_size, D = c.intermediate_size, N = c.state_size;
  const int64_t R = c.time_step_rank, K = c.conv_kernel, V = c.vocab_size;
  ids_ = be_.alloc(DType::I32, 1, chunk_);
  h_ = be_.alloc(DType::F32, chunk_, H);
  xn_ = be_.alloc(DType::F32, chunk_, H);
  xz_ = be_.alloc(DType::F32, chunk_, 2 * D);
  xc_ = be_.alloc(DType::F32, chunk_, D);
  dbc_ = be_.alloc(DType::F32, chunk_, R + 2 * N);
  dt_ = be_.alloc(DType::F32, chunk_, D);
  y_ = be_.alloc(DType::F32, chunk_, D);
  o_ = be_.alloc(DType::F32, chunk_, H);
  logits_ = be_.alloc(DType::F32, chunk_, V);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    conv_state_.push_back(be_.alloc(DType::F32, K - 1, D));
    ssm_state_.push_back(be_.alloc(DType::F32, D, N));
  }
  token_hash_ = kEmptyTokenHash;
  fused_decode_ = fused_decode && fused_decode_enabled(model);
  record_decode();
}

Session::~Session() = default;

void Session::reset() {
  const auto& c = model_.config();
  std::vector<float> zeros(
      std::max((c.conv_kernel - 1) * c.intermediate_size, c.intermediate_size * c.state_size), 0.f);
  for (auto& t : conv_state_) be_.upload(t, zeros.data());
  for (auto& t : ssm_state_) be_.upload(t, zeros.data());
  n_tokens_ = 0;
  token_hash_ = kEmptyTokenHash;
}

// One layer over the first T rows of the chunk tensors: the unfused op sequence.
void Session::run_layer(size_t l, int64_t T) {
  const auto& c = model_.config();
  const int64_t D = c.intermediate_size, N = c.state_size, R = c.time_step_rank;
  const float eps = static_cast<float>(c.layer_norm_epsilon);
  const float mixer_eps = static_cast<float>(c.mixer_rms_eps);
  const LayerTensors& w = model_.layers()[l];

  Tensor h = h_.rows_view(0, T), xn = xn_.rows_view(0, T), xz = xz_.rows_view(0, T);
  Tensor xc = xc_.rows_view(0, T), dbc = dbc_.rows_view(0, T), dt = dt_.rows_view(0, T);
  Tensor y = y_.rows_view(0, T), o = o_.rows_view(0, T);
  Tensor xs = xz.cols_view(0, D), z = xz.cols_view(D, D);
  Tensor dt_low = dbc.cols_view(0, R), B = dbc.cols_view(R, N), C = dbc.cols_view(R + N, N);

  be_.rms_norm(h, &w.norm, eps, xn);
  be_.matmul(xn, w.in_proj, w.in_proj_bias.valid() ? &w.in_proj_bias : nullptr, xz);
  be_.conv1d_silu(xs, w.conv_weight, w.conv_bias.valid() ? &w.conv_bias : nullptr, conv_state_[l],
                  xc);
  be_.matmul(xc, w.x_proj, nullptr, dbc);
  if (c.arch == Arch::FalconMamba) {  // weightless RMS norm of dt, B and C
    be_.rms_norm(dt_low, nullptr, mixer_eps, dt_low);
    be_.rms_norm(B, nullptr, mixer_eps, B);
    be_.rms_norm(C, nullptr, mixer_eps, C);
  }
  be_.matmul(dt_low, w.dt_proj, nullptr, dt);
  ScanArgs a;
  a.x = xc;
  a.dt = dt;
  a.dt_bias = w.dt_bias;
  a.A = w.A;
  a.B = B;
  a.C = C;
  a.Dskip = w.Dskip;
  a.z = z;
  a.state = ssm_state_[l];
  a.out = y;
  be_.selective_scan(a);
  be_.matmul(y, w.out_proj, w.out_proj_bias.valid() ? &w.out_proj_bias : nullptr, o);
  be_.add(h, o);
}

// One layer for one token with the fused ops: the same math in 5 ops instead of 11.
void Session::run_layer_fused(size_t l) {
  const auto& c = model_.config();
  const int64_t D = c.intermediate_size, N = c.state_size, R = c.time_step_rank;
  const LayerTensors& w = model_.layers()[l];

  Tensor h = h_.rows_view(0, 1), xz = xz_.rows_view(0, 1), xc = xc_.rows_view(0, 1);
  Tensor dbc = dbc_.rows_view(0, 1), y = y_.rows_view(0, 1);
  be_.norm_matmul(h, w.norm, static_cast<float>(c.layer_norm_epsilon), w.in_proj,
                  w.in_proj_bias.valid() ? &w.in_proj_bias : nullptr, xz);
  be_.conv1d_silu(xz.cols_view(0, D), w.conv_weight, w.conv_bias.valid() ? &w.conv_bias : nullptr,
                  conv_state_[l], xc);
  be_.matmul(xc, w.x_proj, nullptr, dbc);
  ProjScanArgs a;
  a.scan.x = xc;
  a.scan.dt_bias = w.dt_bias;
  a.scan.A = w.A;
  a.scan.B = dbc.cols_view(R, N);
  a.scan.C = dbc.cols_view(R + N, N);
  a.scan.Dskip = w.Dskip;
  a.scan.z = xz.cols_view(D, D);
  a.scan.state = ssm_state_[l];
  a.scan.out = y;
  a.dt_low = dbc.cols_view(0, R);
  a.dt_proj = w.dt_proj;
  a.norm_dt_bc = c.arch == Arch::FalconMamba;
  a.norm_eps = static_cast<float>(c.mixer_rms_eps);
  be_.proj_scan(a);
  be_.matmul_add(y, w.out_proj, w.out_proj_bias.valid() ? &w.out_proj_bias : nullptr, h);
}

// The forward pass over the first T rows of the chunk tensors (ids_ already uploaded).
void Session::run_chunk(int64_t T, bool want_logits, bool all_rows) {
  const auto& c = model_.config();
  const float eps = static_cast<float>(c.layer_norm_epsilon);
  const bool fused = fused_decode_ && T == 1;

  be_.get_rows(model_.embeddings(), ids_.cols_view(0, T), h_.rows_view(0, T));
  for (size_t l = 0; l < model_.layers().size(); ++l) {
    if (fused)
      run_layer_fused(l);
    else
      run_layer(l, T);
  }
  if (!want_logits) return;
  const int64_t first = all_rows ? 0 : T - 1, rows = all_rows ? T : 1;
  Tensor h_out = h_.rows_view(first, rows), logits = logits_.rows_view(first, rows);
  if (fused) {
    be_.norm_matmul(h_out, model_.norm_f(), eps, model_.lm_head(), nullptr, logits);
    return;
  }
  Tensor hn = xn_.rows_view(first, rows);
  be_.rms_norm(h_out, &model_.norm_f(), eps, hn);
  be_.matmul(hn, model_.lm_head(), nullptr, logits);
}

void Session::record_decode() {
  decode_graph_ = be_.capture([this] { run_chunk(1, true, false); });
}

bool Session::eval(std::span<const int32_t> ids, float* logits, bool all_logits,
                   const std::atomic<bool>* cancel) {
  const int64_t V = model_.config().vocab_size;
  for (int32_t id : ids)
    if (id < 0 || id >= V)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                  model_.name() + " (0.." + std::to_string(V - 1) + ")");
  if (ids.size() == 1 && (!all_logits || logits == nullptr)) {
    if (logits) {
      decode(ids[0], logits);
    } else {
      be_.upload(ids_.cols_view(0, 1), ids.data());
      run_chunk(1, false, false);
      be_.synchronize();
      ++n_tokens_;
      token_hash_ = extend_token_hash(token_hash_, ids[0]);
    }
    return true;
  }
  const int64_t n = static_cast<int64_t>(ids.size());
  for (int64_t start = 0; start < n; start += chunk_) {
    if (cancel && cancel->load(std::memory_order_relaxed)) return false;
    const int64_t T = std::min(chunk_, n - start);
    const bool last = start + T == n;
    be_.upload(ids_.cols_view(0, T), ids.data() + start);
    const bool want = logits != nullptr && (all_logits || last);
    run_chunk(T, want, all_logits);
    if (want && all_logits)
      be_.download(logits_.rows_view(0, T), logits + start * V);
    else if (want)
      be_.download(logits_.rows_view(T - 1, 1), logits);
    else
      be_.synchronize();
    for (int64_t i = 0; i < T; ++i) token_hash_ = extend_token_hash(token_hash_, ids[start + i]);
    n_tokens_ += T;
  }
  return true;
}

void Session::decode(int32_t id, float* logits) {
  if (id < 0 || id >= model_.config().vocab_size)
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                model_.name());
  be_.upload(ids_.cols_view(0, 1), &id);
  decode_graph_->replay();
  be_.download(logits_.rows_view(0, 1), logits);
  ++n_tokens_;
  token_hash_ = extend_token_hash(token_hash_, id);
}

size_t Session::state_bytes() const {
  return static_cast<size_t>(model_.config().state_bytes());
}

RecurrentState Session::save_state() const {
  const auto& c = model_.config();
  RecurrentState s;
  s.model_fingerprint = model_.fingerprint();
  s.n_tokens = n_tokens_;
  s.token_hash = token_hash_;
  s.n_layers = static_cast<int32_t>(c.num_layers);
  s.d_inner = static_cast<int32_t>(c.intermediate_size);
  s.d_state = static_cast<int32_t>(c.state_size);
  s.conv_kernel = static_cast<int32_t>(c.conv_kernel);
  s.data.resize(state_bytes() / sizeof(float));
  const size_t conv_n = (c.conv_kernel - 1) * c.intermediate_size;
  float* p = s.data.data();
  for (int64_t l = 0; l < c.num_layers; ++l) {
    be_.download(conv_state_[l], p);
    p += conv_n;
    be_.download(ssm_state_[l], p);
    p += c.intermediate_size * c.state_size;
  }
  return s;
}

void Session::restore_state(const RecurrentState& s) {
  restore_state(StateView::of(s));
}

void Session::restore_state(const StateView& v) {
  const auto& c = model_.config();
  const RecurrentState& s = v.header;
  if (s.model_fingerprint != model_.fingerprint())
    throw Error("this state was saved from another model than " + model_.name());
  if (s.n_layers != c.num_layers || s.d_inner != c.intermediate_size || s.d_state != c.state_size ||
      s.conv_kernel != c.conv_kernel || v.floats() != state_bytes() / sizeof(float))
    throw Error("this state's dimensions do not match " + model_.name());
  const size_t conv_bytes = (c.conv_kernel - 1) * c.intermediate_size * sizeof(float);
  const size_t ssm_bytes = c.intermediate_size * c.state_size * sizeof(float);
  const uint8_t* p = v.payload;
  for (int64_t l = 0; l < c.num_layers; ++l) {
    be_.upload(conv_state_[l], p);
    p += conv_bytes;
    be_.upload(ssm_state_[l], p);
    p += ssm_bytes;
  }
  be_.synchronize();
  n_tokens_ = s.n_tokens;
  token_hash_ = s.token_hash;
}

}  // namespace coil
