// The op cases (coil/op_cases.hpp): the inputs each op is checked with, for the self-check
// and for the conformance test.
#include "coil/op_cases.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "coil/error.hpp"
#include "coil/quants.hpp"
#include "coil/tensor_view.hpp"

namespace coil {

OpPairs::OpPairs(Backend& dev, Backend& ref, uint32_t seed) : dev_(dev), ref_(ref), rng_(seed) {}

TensorPair OpPairs::make(DType dt, int64_t rows, int64_t cols, const std::vector<float>& v) {
  // rounded to dt, or quantized for a block type (rows of whole blocks)
  std::vector<uint8_t> data(dtype_tensor_bytes(dt, rows, cols));
  for (int64_t r = 0; r < rows; ++r)
    quantize_row(dt, v.data() + r * cols, data.data() + r * dtype_row_bytes(dt, cols), cols);
  TensorPair p{dev_.alloc(dt, rows, cols), ref_.alloc(dt, rows, cols)};
  dev_.upload(p.dev, data.data());
  ref_.upload(p.ref, data.data());
  return p;
}

TensorPair OpPairs::random(int64_t rows, int64_t cols, float lo, float hi, DType dt) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (float& x : v) x = u(rng_);
  return make(dt, rows, cols, v);
}

TensorPair OpPairs::random_blocks(DType dt, int64_t rows, int64_t cols) {
  if (!dtype_is_quantized(dt) || !dtype_row_fits(dt, cols))
    throw Error("internal: random_blocks of " + std::string(dtype_name(dt)) + " rows of " +
                std::to_string(cols) + " values");
  const std::vector<uint8_t> data =
      coil::random_blocks(dt, rows * (cols / dtype_block_size(dt)), static_cast<uint32_t>(rng_()));
  TensorPair p{dev_.alloc(dt, rows, cols), ref_.alloc(dt, rows, cols)};
  dev_.upload(p.dev, data.data());
  ref_.upload(p.ref, data.data());
  return p;
}

TensorPair OpPairs::uploaded_weight(DType dt, int64_t rows, int64_t cols, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(cols));
  auto& data = weights_.emplace_back(dtype_tensor_bytes(dt, rows, cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (float& x : v) x = u(rng_);
    quantize_row(dt, v.data(), data.data() + r * dtype_row_bytes(dt, cols), cols);
  }
  TensorView view;
  view.name = "weight";
  view.dtype = dt;
  view.shape = {rows, cols};
  view.data = data.data();
  view.nbytes = data.size();
  return {dev_.upload_weight(view, rows, cols), ref_.upload_weight(view, rows, cols)};
}

TensorPair OpPairs::zeros(int64_t rows, int64_t cols) {
  return {dev_.alloc(DType::F32, rows, cols), ref_.alloc(DType::F32, rows, cols)};
}

TensorPair OpPairs::ids(const std::vector<int32_t>& v) {
  const auto n = static_cast<int64_t>(v.size());
  TensorPair p{dev_.alloc(DType::I32, 1, n), ref_.alloc(DType::I32, 1, n)};
  dev_.upload(p.dev, v.data());
  ref_.upload(p.ref, v.data());
  return p;
}

TensorPair OpPairs::decay_rates(int64_t D, int64_t N) {
  std::vector<float> a(static_cast<size_t>(D * N));
  for (int64_t d = 0; d < D; ++d)
    for (int64_t n = 0; n < N; ++n) a[d * N + n] = -float(n + 1) * (0.5f + 0.01f * d);
  return make(DType::F32, D, N, a);
}

void OpPairs::refill(const TensorPair& p, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(p.dev.rows * p.dev.cols));
  for (float& x : v) x = u(rng_);
  dev_.upload(p.dev, v.data());
  ref_.upload(p.ref, v.data());
}

void OpPairs::run(const std::function<void(Backend&, bool)>& op) {
  op(dev_, false);
  op(ref_, true);
}

OpPairs::Diff OpPairs::diff(const TensorPair& p, float add_to_dev) const {
  std::vector<float> d(static_cast<size_t>(p.dev.rows * p.dev.cols)), r(d.size());
  dev_.download(p.dev, d.data());
  ref_.download(p.ref, r.data());
  Diff out;
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const double dv = double(d[i]) + add_to_dev;
    if (!std::isfinite(dv)) out.finite = false;
    max_diff = std::max(max_diff, std::fabs(dv - r[i]));
    max_ref = std::max(max_ref, std::fabs(double(r[i])));
  }
  out.rel = max_ref > 0 ? max_diff / max_ref : max_diff;
  return out;
}

std::vector<uint8_t> random_blocks(DType t, int64_t n, uint32_t seed) {
  std::mt19937 g(seed);
  const int64_t bs = dtype_block_size(t);
  const size_t bb = dtype_block_bytes(t);
  std::vector<uint8_t> out(static_cast<size_t>(n) * bb);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(bs));
  for (int64_t b = 0; b < n; ++b) {
    uint8_t* p = out.data() + static_cast<size_t>(b) * bb;
    if (b % 2 == 0) {
      for (float& v : x) v = u(g) * (1.0f + float(b % 5));
      quantize_row(t, x.data(), p, bs);
      continue;
    }
    for (size_t i = 0; i < bb; ++i) p[i] = static_cast<uint8_t>(g());
    auto put_f16 = [&](size_t at) {
      const uint16_t h = f32_to_f16(u(g) * 0.01f);
      std::memcpy(p + at, &h, 2);
    };
    switch (t) {
      case DType::Q4_1:
      case DType::Q5_1:
        put_f16(2);  // the min, then the scale
        [[fallthrough]];
      case DType::Q8_0:
      case DType::Q4_0:
      case DType::Q5_0:
        put_f16(0);
        break;
      case DType::Q4_K:
      case DType::Q5_K:
        put_f16(0);  // d and dmin
        put_f16(2);
        break;
      case DType::Q6_K:
        put_f16(208);
        break;
      default:
        break;
    }
  }
  return out;
}

namespace {

constexpr double kF32 = 1e-5;    // F32 ops computed in F32 vs the double-accumulating reference
constexpr double kAccum = 1e-4;  // long dot products and the scan's recurrence

std::string tokens(DType dt, int64_t T) {
  return std::string(" (") + dtype_name(dt) + ", " + std::to_string(T) +
         (T == 1 ? " token)" : " tokens)");
}

// The variant of block-type weights of every bit pattern (OpPairs::random_blocks), not only
// what a quantizer writes.
const char* const kBitPatterns = "blocks of every bit pattern";
// The variant of block-type weights given as a model's weights (OpPairs::uploaded_weight) and
// 2 MiB or more: where the CPU backend stores Q4_0 / Q8_0 / Q4_K in row groups (cpu_repack.hpp).
const char* const kUploaded = "block-type weights as uploaded";

// A weight of N x K: uniform values in [lo, hi] stored in dt, or (variant kBitPatterns)
// random blocks.
TensorPair weight(OpPairs& t, const std::string& variant, int64_t N, int64_t K, float lo, float hi,
                  DType dt) {
  if (variant == kUploaded) return t.uploaded_weight(dt, N, K, lo, hi);
  return variant == kBitPatterns ? t.random_blocks(dt, N, K) : t.random(N, K, lo, hi, dt);
}

// --- the cases, one builder per op ----------------------------------------------------------

OpCase get_rows(DType dt, int64_t V, int64_t H, std::vector<int32_t> ids,
                std::string variant = "") {
  const int64_t T = static_cast<int64_t>(ids.size());
  return {Op::GetRows, dt, variant, "V=" + std::to_string(V) + " H=" + std::to_string(H),
          [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair table = weight(t, variant, V, H, -2, 2, dt), id = t.ids(ids),
                             out = t.zeros(T, H);
            t.run([&](Backend& b, bool r) { b.get_rows(table.side(r), id.side(r), out.side(r)); });
            check("get_rows" + tokens(dt, T), out, 0.0);
          }};
}

OpCase rms_norm(int64_t T, int64_t H, bool then_weightless_in_place) {
  return {
      Op::RmsNorm, DType::F32, "", "T=" + std::to_string(T) + " H=" + std::to_string(H),
      [=](OpPairs& t, const OpCheckFn& check) {
        const TensorPair x = t.random(T, H, -3, 3), w = t.random(1, H, 0.5f, 1.5f),
                         out = t.zeros(T, H);
        t.run([&](Backend& b, bool r) { b.rms_norm(x.side(r), &w.side(r), 1e-5f, out.side(r)); });
        check("rms_norm", out, kF32);
        if (!then_weightless_in_place) return;
        t.run([&](Backend& b, bool r) { b.rms_norm(x.side(r), nullptr, 1e-6f, x.side(r)); });
        check("rms_norm (weightless, in place)", x, kF32);
      }};
}

// FalconMamba normalises the dt | B | C column slices of x_proj's output in place.
OpCase rms_norm_column_views() {
  return {Op::RmsNorm, DType::F32, "weightless, in place on column views", "T=7 R=4 N=16",
          [](OpPairs& t, const OpCheckFn& check) {
            const TensorPair dbc = t.random(7, 4 + 2 * 16, -2, 2);
            // (a plain pair: clang 14 cannot capture structured bindings in a lambda)
            for (const auto& cols : {std::pair<int64_t, int64_t>{0, 4}, {4, 16}, {20, 16}})
              t.run([&](Backend& b, bool r) {
                const Tensor v = dbc.side(r).cols_view(cols.first, cols.second);
                b.rms_norm(v, nullptr, 1e-6f, v);
              });
            check("rms_norm (weightless, in place on column views)", dbc, kF32);
          }};
}

// One weight, x @ w^T + bias at each T in turn.
OpCase matmul(DType dt, std::vector<int64_t> Ts, int64_t K, int64_t N, float x_range,
              std::string variant = "") {
  std::string shape;
  for (int64_t T : Ts) shape += "T=" + std::to_string(T) + " ";
  shape += "K=" + std::to_string(K) + " N=" + std::to_string(N);
  return {Op::MatMul, dt, variant, shape, [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair w = weight(t, variant, N, K, -0.5f, 0.5f, dt), bias = t.random(1, N);
            for (int64_t T : Ts) {
              const TensorPair x = t.random(T, K, -x_range, x_range), out = t.zeros(T, N);
              t.run([&](Backend& b, bool r) {
                b.matmul(x.side(r), w.side(r), &bias.side(r), out.side(r));
              });
              check("matmul" + tokens(dt, T), out, kAccum);
            }
          }};
}

// dt_proj reads a column slice of x_proj's output; logits rows are row views.
OpCase matmul_views() {
  return {
      Op::MatMul, DType::F32, "strided input and output views", "T=9 K=8 N=24",
      [](OpPairs& t, const OpCheckFn& check) {
        const TensorPair src = t.random(9, 40), w = t.random(24, 8, -1, 1), out = t.zeros(9, 30);
        t.run([&](Backend& b, bool r) {
          b.matmul(src.side(r).cols_view(3, 8), w.side(r), nullptr, out.side(r).cols_view(2, 24));
        });
        check("matmul (strided views)", out, kF32);
      }};
}

// A chunk, then steps on the state it left: the conv reads the first half of in_proj's
// output (a column view), as in the model.
OpCase conv1d_silu(std::vector<int64_t> Ts, int64_t D, int64_t K, float w_range, float b_range) {
  std::string shape;
  for (int64_t T : Ts) shape += "T=" + std::to_string(T) + " ";
  shape += "D=" + std::to_string(D) + " K=" + std::to_string(K);
  return {Op::Conv1dSilu, DType::F32, "", shape, [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair w = t.random(D, K, -w_range, w_range),
                             bias = t.random(1, D, -b_range, b_range), state = t.random(K - 1, D);
            for (int64_t T : Ts) {
              const TensorPair xz = t.random(T, 2 * D), out = t.zeros(T, D);
              t.run([&](Backend& b, bool r) {
                b.conv1d_silu(xz.side(r).cols_view(0, D), w.side(r), &bias.side(r), state.side(r),
                              out.side(r));
              });
              check("conv1d_silu" + tokens(DType::F32, T), out, kF32);
              check("conv1d_silu state" + tokens(DType::F32, T), state, kF32);
            }
          }};
}

// The scan's operands (B, C and z column views of wider tensors, as in the model).
struct ScanInputs {
  TensorPair x, dt, dt_bias, A, dbc, Dskip, xz, state, out;
  int64_t R, N, D;
  ScanArgs args(bool r) const {
    ScanArgs a;
    a.x = x.side(r);
    a.dt = dt.side(r);
    a.dt_bias = dt_bias.side(r);
    a.A = A.side(r);
    a.B = dbc.side(r).cols_view(R, N);
    a.C = dbc.side(r).cols_view(R + N, N);
    a.Dskip = Dskip.side(r);
    a.z = xz.side(r).cols_view(D, D);
    a.state = state.side(r);
    a.out = out.side(r);
    return a;
  }
};

// `trained`: A from decay_rates() and wide dt (the conformance test); else uniform A and
// dt (the self-check's).
// dt_low | B | C uniform in [-bc_range, bc_range].
// `dt_range` > 0: dt uniform in [-dt_range, dt_range] instead (softplus across its range:
// log1p(exp) below 20, dt itself above).
ScanInputs scan_inputs(OpPairs& t, int64_t T, int64_t D, int64_t N, int64_t R, bool trained,
                       float bc_range, float dt_range = 0) {
  ScanInputs in;
  in.R = R, in.N = N, in.D = D;
  in.x = t.random(T, D);
  in.dt = dt_range > 0 ? t.random(T, D, -dt_range, dt_range)
          : trained    ? t.random(T, D, -4, 2)
                       : t.random(T, D, -3, 0);
  in.dt_bias = trained ? t.random(1, D, -1, 1) : t.random(1, D, -1, 0);
  in.A = trained ? t.decay_rates(D, N) : t.random(D, N, -2, -0.1f);
  in.dbc = t.random(T, R + 2 * N, -bc_range, bc_range);
  in.Dskip = trained ? t.random(1, D) : t.random(1, D, 0.5f, 1.5f);
  in.xz = t.random(T, 2 * D);
  in.state = t.random(D, N, -0.5f, 0.5f);
  in.out = t.zeros(T, D);
  return in;
}

OpCase selective_scan(std::vector<int64_t> Ts, int64_t D, int64_t N, int64_t R, bool trained,
                      float dt_range = 0) {
  std::string shape;
  for (int64_t T : Ts) shape += "T=" + std::to_string(T) + " ";
  shape += "D=" + std::to_string(D) + " N=" + std::to_string(N);
  return {Op::SelectiveScan, DType::F32, "", shape, [=](OpPairs& t, const OpCheckFn& check) {
            for (int64_t T : Ts) {
              const ScanInputs in = scan_inputs(t, T, D, N, R, trained, 1.0f, dt_range);
              t.run([&](Backend& b, bool r) { b.selective_scan(in.args(r)); });
              check("selective_scan" + tokens(DType::F32, T), in.out, kAccum);
              check("selective_scan state" + tokens(DType::F32, T), in.state, kAccum);
            }
          }};
}

OpCase add(int64_t T, int64_t H) {
  return {Op::Add, DType::F32, "", "T=" + std::to_string(T) + " H=" + std::to_string(H),
          [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair a = t.random(T, H), b = t.random(T, H);
            t.run([&](Backend& be, bool r) { be.add(a.side(r), b.side(r)); });
            check("add", a, kF32);
          }};
}

// The shape of a fused matmul; `unaligned_too`: run again with x a column view from column 1
// (not 16-byte aligned), with the same weights.
std::string fused_shape(int64_t T, int64_t K, int64_t N, bool unaligned_too) {
  return "T=" + std::to_string(T) + " K=" + std::to_string(K) + " N=" + std::to_string(N) +
         (unaligned_too ? ", x aligned and from column 1" : "");
}

OpCase norm_matmul(DType dt, int64_t T, int64_t K, int64_t N, bool with_bias, float x_range,
                   bool unaligned_too = false, std::string variant = "") {
  return {Op::NormMatMul, dt, variant, fused_shape(T, K, N, unaligned_too),
          [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair src = t.random(T, K + unaligned_too, -x_range, x_range),
                             nw = t.random(1, K, 0.5f, 1.5f),
                             w = weight(t, variant, N, K, -0.5f, 0.5f, dt), bias = t.random(1, N),
                             out = t.zeros(T, N);
            for (int64_t c0 = 0; c0 <= int64_t(unaligned_too); ++c0) {
              t.run([&](Backend& b, bool r) {
                b.norm_matmul(src.side(r).cols_view(c0, K), nw.side(r), 1e-5f, w.side(r),
                              with_bias ? &bias.side(r) : nullptr, out.side(r));
              });
              check("norm_matmul" + tokens(dt, T) + (c0 ? ", x from column 1" : ""), out, kAccum);
            }
          }};
}

// out += x @ w^T (+ bias): out_proj accumulated into the residual stream. `unaligned_too`:
// then again (with the bias) from x a column view at column 1.
OpCase matmul_add(DType dt, int64_t T, int64_t K, int64_t N, bool with_bias, float out_range,
                  bool unaligned_too = false, std::string variant = "") {
  return {Op::MatMulAdd, dt, variant, fused_shape(T, K, N, unaligned_too),
          [=](OpPairs& t, const OpCheckFn& check) {
            const TensorPair src = t.random(T, K + unaligned_too),
                             w = weight(t, variant, N, K, -0.5f, 0.5f, dt), bias = t.random(1, N),
                             out = t.random(T, N, -out_range, out_range);
            for (int64_t c0 = 0; c0 <= int64_t(unaligned_too); ++c0) {
              const bool biased = with_bias || c0 == 1;
              t.run([&](Backend& b, bool r) {
                b.matmul_add(src.side(r).cols_view(c0, K), w.side(r),
                             biased ? &bias.side(r) : nullptr, out.side(r));
              });
              check("matmul_add" + tokens(dt, T) + (c0 ? ", x from column 1" : ""), out, kAccum);
            }
          }};
}

OpCase proj_scan(DType dt, int64_t T, int64_t D, int64_t N, int64_t R, bool norm, bool trained,
                 std::string variant = "") {
  return {Op::ProjScan, dt, std::move(variant),
          "T=" + std::to_string(T) + " D=" + std::to_string(D) + " N=" + std::to_string(N) +
              " R=" + std::to_string(R) + (norm ? " norm" : ""),
          [=](OpPairs& t, const OpCheckFn& check) {
            const ScanInputs in = scan_inputs(t, T, D, N, R, trained, trained ? 2.0f : 1.0f);
            const TensorPair dt_proj = t.random(D, R, -0.5f, 0.5f, dt);
            t.run([&](Backend& b, bool r) {
              ProjScanArgs a;
              a.scan = in.args(r);
              a.dt_low = in.dbc.side(r).cols_view(0, R);
              a.dt_proj = dt_proj.side(r);
              a.norm_dt_bc = norm;
              a.norm_eps = 1e-6f;
              b.proj_scan(a);
            });
            check("proj_scan" + tokens(dt, T), in.out, kAccum);
            check("proj_scan state" + tokens(dt, T), in.state, kAccum);
            check("proj_scan's dt_low, B and C (read only)" + tokens(dt, T), in.dbc, 0.0);
          }};
}

// --- the two coverages ----------------------------------------------------------------------

// Shapes: K and H not a multiple of any vector width (tails), N odd; for block-type
// weights, rows of whole blocks.
std::vector<OpCase> self_check_cases(DType wdt) {
  const int64_t block = dtype_block_size(wdt);
  const int64_t kK = block > 1 ? 2 * std::max<int64_t>(block, 256) : 264;
  const int64_t kRank = block > 1 ? block : 12;
  constexpr int64_t kN = 37, kD = 48, kState = 16, kConv = 4;
  return {get_rows(wdt, 10, kK, {3, 0, 9}),
          rms_norm(3, kK, /*then_weightless_in_place=*/true),
          matmul(wdt, {1, 5}, kK, kN, 1.0f),
          conv1d_silu({5, 1}, kD, kConv, 0.5f, 0.2f),
          selective_scan({5, 1}, kD, kState, kRank, /*trained=*/false),
          add(3, kK),
          norm_matmul(wdt, 1, kK, kN, true, 1.0f),
          matmul_add(wdt, 1, kK, kN, false, 1.0f),
          proj_scan(wdt, 1, kD, kState, kRank, /*norm=*/true, /*trained=*/false)};
}

std::vector<OpCase> conformance_cases() {
  std::vector<OpCase> cases;
  const DType all[] = {DType::F32, DType::F16, DType::BF16};
  for (DType dt : all) cases.push_back(get_rows(dt, 50, 24, {3, 0, 49, 7, 7, 12}));
  for (int64_t H : {1, 16, 64, 300, 4096}) cases.push_back(rms_norm(5, H, false));
  cases.push_back(rms_norm_column_views());
  struct Mm {
    int64_t T, K, N;
  };
  for (DType dt : all)
    for (Mm s : {Mm{1, 64, 48}, Mm{1, 1000, 37}, Mm{3, 33, 17}, Mm{17, 256, 130}, Mm{64, 512, 96},
                 Mm{1, 4096, 64}, Mm{200, 64, 300}, Mm{6, 100, 77}, Mm{65, 96, 40}})
      cases.push_back(matmul(dt, {s.T}, s.K, s.N, 1.0f));
  cases.push_back(matmul_views());
  // Block-type weights (GGUF's quantizations): rows of whole blocks (32 or 256 values).
  for (DType dt : kQuantDTypes)
    for (Mm s : {Mm{1, 256, 48}, Mm{1, 4096, 64}, Mm{3, 512, 17}, Mm{17, 256, 130}, Mm{64, 512, 96},
                 Mm{200, 256, 33}})
      cases.push_back(matmul(dt, {s.T}, s.K, s.N, 1.0f, "block-type weights"));
  for (DType dt : kQuantDTypes)
    cases.push_back(get_rows(dt, 40, 512, {3, 0, 39, 7, 7}, "block-type weights"));
  for (DType dt : kQuantDTypes) {
    cases.push_back(get_rows(dt, 40, 512, {0, 1, 39, 20, 7}, kBitPatterns));
    cases.push_back(matmul(dt, {1, 17}, 512, 40, 1.0f, kBitPatterns));
  }
  // Weights as a model uploads them, 2-4 MiB: 57 groups of 16 rows and 8 rows as stored
  for (DType dt : {DType::Q4_0, DType::Q8_0, DType::Q4_K}) {
    cases.push_back(matmul(dt, {1, 6}, 4096, 920, 1.0f, kUploaded));
    cases.push_back(get_rows(dt, 920, 4096, {0, 15, 16, 917, 919, 300}, kUploaded));
    cases.push_back(norm_matmul(dt, 1, 4096, 920, true, 3.0f, true, kUploaded));
    cases.push_back(matmul_add(dt, 2, 4096, 920, false, 4.0f, true, kUploaded));
  }
  for (int64_t T : {1, 2, 5, 64}) cases.push_back(conv1d_silu({T}, 48, 4, 1.0f, 1.0f));
  // 16 states: channels in vector lanes, 40 = two blocks of 16 and 8 alone; at T = 3 dt
  // across softplus's whole range
  for (int64_t T : {1, 3, 64, 130})
    cases.push_back(selective_scan({T}, 40, 16, 4, true, T == 3 ? 30.0f : 0.0f));
  cases.push_back(add(6, 70));
  for (DType dt : all)
    for (Mm s : {Mm{1, 64, 48}, Mm{1, 1000, 37}, Mm{1, 4096, 130}, Mm{3, 33, 17}, Mm{1, 4, 300},
                 Mm{70, 96, 40}})
      cases.push_back(norm_matmul(dt, s.T, s.K, s.N, s.N % 2 == 0, 3.0f));
  for (DType dt : all)
    for (Mm s : {Mm{1, 64, 48}, Mm{1, 8192, 96}, Mm{1, 1000, 37}, Mm{4, 33, 17}, Mm{70, 40, 33}})
      cases.push_back(matmul_add(dt, s.T, s.K, s.N, s.K % 2 == 1, 4.0f));
  // Block-type weights: rows of whole blocks, x aligned and not (a column view at column 1)
  for (DType dt : kQuantDTypes)
    for (Mm s :
         {Mm{1, 256, 48}, Mm{1, 4096, 130}, Mm{3, 512, 17}, Mm{4, 256, 33}, Mm{14, 256, 24}}) {
      cases.push_back(norm_matmul(dt, s.T, s.K, s.N, true, 3.0f, true, "block-type weights"));
      cases.push_back(matmul_add(dt, s.T, s.K, s.N, false, 4.0f, true, "block-type weights"));
    }
  struct Ps {
    int64_t T, D, N, R;
    bool norm;
  };
  for (DType dt : all)
    for (Ps s : {Ps{1, 40, 16, 4, true}, Ps{1, 300, 16, 256, true}, Ps{3, 40, 16, 33, false},
                 Ps{1, 24, 5, 8, true}, Ps{20, 72, 16, 12, true}, Ps{1, 16, 64, 4, false},
                 Ps{70, 64, 16, 12, true}, Ps{3, 48, 16, 256, false}})
      cases.push_back(proj_scan(dt, s.T, s.D, s.N, s.R, s.norm, true));
  // A block-type dt_proj: R whole blocks (32 for Q8_0 .. Q5_1, 256 for all)
  for (DType dt : kQuantDTypes)
    for (Ps s : {Ps{1, 40, 16, 256, true}, Ps{3, 72, 16, 256, false}, Ps{1, 300, 16, 32, true},
                 Ps{2, 24, 5, 64, true}})
      if (dtype_row_fits(dt, s.R))
        cases.push_back(proj_scan(dt, s.T, s.D, s.N, s.R, s.norm, true, "block-type dt_proj"));
  return cases;
}

}  // namespace

std::vector<OpCase> op_cases(OpCoverage coverage, DType weight_dtype) {
  return coverage == OpCoverage::SelfCheck ? self_check_cases(weight_dtype) : conformance_cases();
}

}  // namespace coil
