// The reference backend: plain scalar loops with double accumulation, written to be
// obviously right rather than fast. Every other backend's ops are compared against it.
// Weights of any dtype, block types included, are read a row at a time as f32 (exactly
// the values gguf-py's dequantization gives).
#include "coil/cpu_ref_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "coil/error.hpp"
#include "coil/host_bandwidth.hpp"
#include "coil/host_buffer.hpp"
#include "coil/op_checks.hpp"

namespace coil {
namespace {

// Row r of a weight tensor as floats (block types dequantized), in `buf`.
const float* weight_row(const Tensor& w, int64_t r, std::vector<float>& buf) {
  buf.resize(static_cast<size_t>(w.cols));
  const char* row =
      host_ptr<const char>(w) + static_cast<size_t>(r) * dtype_row_bytes(w.dtype, w.stride);
  convert_to_f32(w.dtype, row, buf.data(), buf.size());
  return buf.data();
}

float& at(const Tensor& t, int64_t r, int64_t c) {
  return host_ptr<float>(t)[static_cast<size_t>(r) * t.stride + c];
}

// Columns [c0, c0 + n) of row r, RMS-normalised (times w when given) unless `normalise` is
// false, in double.
std::vector<double> normed_row(const Tensor& x, int64_t r, int64_t c0, int64_t n, float eps,
                               const Tensor* w, bool normalise = true) {
  std::vector<double> v(n);
  double ss = 0;
  for (int64_t c = 0; c < n; ++c) {
    v[c] = at(x, r, c0 + c);
    ss += v[c] * v[c];
  }
  const double inv = normalise ? 1.0 / std::sqrt(ss / n + eps) : 1.0;
  for (int64_t c = 0; c < n; ++c) v[c] *= inv * (w ? at(*w, 0, c0 + c) : 1.0f);
  return v;
}

double softplus(double v) {
  return v > 20.0 ? v : std::log1p(std::exp(v));
}
double silu(double v) {
  return v / (1.0 + std::exp(-v));
}

class CpuReferenceBackend final : public Backend {
 public:
  BackendInfo info() const override { return {"cpu-ref", "CPU reference (scalar)", 0, 1, ""}; }
  bool supports(Op, DType d) const override {
    return d == DType::F32 || d == DType::F16 || d == DType::BF16 || dtype_is_quantized(d);
  }

  Tensor alloc(DType dtype, int64_t rows, int64_t cols) override {
    Tensor t;
    t.buf = std::make_shared<HostBuffer>(dtype_tensor_bytes(dtype, rows, cols));
    t.dtype = dtype;
    t.rows = rows;
    t.cols = cols;
    t.stride = cols;
    allocated_ += t.buf->size();
    peak_ = std::max(peak_, allocated_);
    return t;
  }
  void upload(const Tensor& dst, const void* src) override { copy_to_tensor(dst, src); }
  void download(const Tensor& src, void* dst) override { copy_from_tensor(src, dst); }
  size_t allocated_bytes() const override { return allocated_; }
  size_t peak_allocated_bytes() const override { return peak_; }

  void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) override {
    checks::get_rows(table, ids, out);
    const auto* id = host_ptr<const int32_t>(ids);
    std::vector<float> row;
    for (int64_t t = 0; t < ids.cols; ++t) {
      if (id[t] < 0 || id[t] >= table.rows)
        throw Error("token id " + std::to_string(id[t]) + " is outside the vocabulary (0.." +
                    std::to_string(table.rows - 1) + ")");
      const float* r = weight_row(table, id[t], row);
      for (int64_t c = 0; c < table.cols; ++c) at(out, t, c) = r[c];
    }
  }

  void rms_norm(const Tensor& x, const Tensor* w, float eps, const Tensor& out) override {
    checks::rms_norm(x, w, out);
    for (int64_t t = 0; t < x.rows; ++t) {
      double ss = 0;
      for (int64_t c = 0; c < x.cols; ++c) ss += double(at(x, t, c)) * at(x, t, c);
      const double inv = 1.0 / std::sqrt(ss / x.cols + eps);
      for (int64_t c = 0; c < x.cols; ++c)
        at(out, t, c) = static_cast<float>(at(x, t, c) * inv * (w ? at(*w, 0, c) : 1.0f));
    }
  }

  void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) override {
    checks::matmul(x, w, bias, out);
    std::vector<float> row;
    for (int64_t n = 0; n < w.rows; ++n) {
      const float* wr = weight_row(w, n, row);
      for (int64_t t = 0; t < x.rows; ++t) {
        double acc = bias ? at(*bias, 0, n) : 0.0;
        for (int64_t k = 0; k < x.cols; ++k) acc += double(at(x, t, k)) * wr[k];
        at(out, t, n) = static_cast<float>(acc);
      }
    }
  }

  void conv1d_silu(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& state,
                   const Tensor& out) override {
    checks::conv1d_silu(x, w, bias, state, out);
    const int64_t T = x.rows, D = x.cols, K = w.cols;
    // window row j of [state; x] is state row j for j < K-1, else x row j-(K-1)
    auto input = [&](int64_t j, int64_t d) {
      return j < K - 1 ? at(state, j, d) : at(x, j - (K - 1), d);
    };
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        double acc = bias ? at(*bias, 0, d) : 0.0;
        for (int64_t k = 0; k < K; ++k) acc += double(at(w, d, k)) * input(t + k, d);
        at(out, t, d) = static_cast<float>(silu(acc));
      }
    std::vector<float> next((K - 1) * D);
    for (int64_t j = 0; j < K - 1; ++j)
      for (int64_t d = 0; d < D; ++d) next[j * D + d] = input(T + j, d);
    std::memcpy(host_ptr<float>(state), next.data(), next.size() * sizeof(float));
  }

  void selective_scan(const ScanArgs& a) override {
    checks::selective_scan(a);
    const int64_t T = a.x.rows, D = a.x.cols, N = a.A.cols;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        const double delta = softplus(double(at(a.dt, t, d)) + at(a.dt_bias, 0, d));
        const double xv = at(a.x, t, d);
        double y = 0;
        for (int64_t n = 0; n < N; ++n) {
          float& h = at(a.state, d, n);
          const double hn = std::exp(delta * at(a.A, d, n)) * h + delta * xv * at(a.B, t, n);
          h = static_cast<float>(hn);
          y += hn * at(a.C, t, n);
        }
        y += double(at(a.Dskip, 0, d)) * xv;
        at(a.out, t, d) = static_cast<float>(y * silu(at(a.z, t, d)));
      }
  }

  void add(const Tensor& a, const Tensor& b) override {
    checks::add(a, b);
    for (int64_t t = 0; t < a.rows; ++t)
      for (int64_t c = 0; c < a.cols; ++c) at(a, t, c) += at(b, t, c);
  }

  void norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                   const Tensor* bias, const Tensor& out) override {
    checks::norm_matmul(x, norm_w, w, bias, out);
    std::vector<float> row;
    for (int64_t t = 0; t < x.rows; ++t) {
      const std::vector<double> xn = normed_row(x, t, 0, x.cols, eps, &norm_w);
      for (int64_t n = 0; n < w.rows; ++n) {
        const float* wr = weight_row(w, n, row);
        double acc = bias ? at(*bias, 0, n) : 0.0;
        for (int64_t k = 0; k < x.cols; ++k) acc += xn[k] * wr[k];
        at(out, t, n) = static_cast<float>(acc);
      }
    }
  }

  void matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias,
                  const Tensor& out) override {
    checks::matmul(x, w, bias, out);
    std::vector<float> row;
    for (int64_t n = 0; n < w.rows; ++n) {
      const float* wr = weight_row(w, n, row);
      for (int64_t t = 0; t < x.rows; ++t) {
        double acc = bias ? at(*bias, 0, n) : 0.0;
        for (int64_t k = 0; k < x.cols; ++k) acc += double(at(x, t, k)) * wr[k];
        at(out, t, n) = static_cast<float>(at(out, t, n) + acc);
      }
    }
  }

  void proj_scan(const ProjScanArgs& a) override {
    checks::proj_scan(a);
    const int64_t T = a.scan.x.rows, D = a.scan.x.cols, N = a.scan.A.cols, R = a.dt_low.cols;
    const float eps = a.norm_eps;
    std::vector<float> dt_proj(static_cast<size_t>(D * R)), row;  // [D, R] as floats
    for (int64_t d = 0; d < D; ++d)
      std::copy_n(weight_row(a.dt_proj, d, row), R, dt_proj.begin() + d * R);
    for (int64_t t = 0; t < T; ++t) {
      const bool nm = a.norm_dt_bc;
      const std::vector<double> dtn = normed_row(a.dt_low, t, 0, R, eps, nullptr, nm);
      const std::vector<double> Bn = normed_row(a.scan.B, t, 0, N, eps, nullptr, nm);
      const std::vector<double> Cn = normed_row(a.scan.C, t, 0, N, eps, nullptr, nm);
      for (int64_t d = 0; d < D; ++d) {
        double dt = 0;
        for (int64_t r = 0; r < R; ++r) dt += dtn[r] * dt_proj[d * R + r];
        const double delta = softplus(dt + at(a.scan.dt_bias, 0, d));
        const double xv = at(a.scan.x, t, d);
        double y = 0;
        for (int64_t n = 0; n < N; ++n) {
          float& h = at(a.scan.state, d, n);
          const double hn = std::exp(delta * at(a.scan.A, d, n)) * h + delta * xv * Bn[n];
          h = static_cast<float>(hn);
          y += hn * Cn[n];
        }
        y += double(at(a.scan.Dskip, 0, d)) * xv;
        at(a.scan.out, t, d) = static_cast<float>(y * silu(at(a.scan.z, t, d)));
      }
    }
  }

  void synchronize() override {}
  double measure_read_bandwidth_gbps() override { return measure_host_read_bandwidth_gbps(1); }

 private:
  size_t allocated_ = 0, peak_ = 0;
};

}  // namespace

std::unique_ptr<Backend> create_cpu_reference_backend() {
  return std::make_unique<CpuReferenceBackend>();
}

}  // namespace coil
