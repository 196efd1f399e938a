// The CPU backend: the reference math, vectorised (cpu_kernels_*) and split over a thread
// pool. Weights are used in place from the memory-mapped safetensors file (no copy).
#include "coil/cpu_backend.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "coil/error.hpp"
#include "coil/host_bandwidth.hpp"
#include "coil/host_buffer.hpp"
#include "coil/op_checks.hpp"
#include "coil/quants.hpp"
#include "coil/tensor_view.hpp"
#include "cpu_kernels.hpp"
#include "thread_pool.hpp"

namespace coil {
namespace {

std::string cpu_model_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      auto v = line.substr(line.find(':') + 1);
      return v.substr(v.find_first_not_of(' '));
    }
  return "CPU";
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& opts)
      : k_(cpu_kernels_for(opts.cpu_isa)),
        pool_(opts.threads > 0 ? opts.threads : physical_cores()),
        scratch_(static_cast<size_t>(pool_.size()) * kPackFloats) {}

  BackendInfo info() const override {
    return {"cpu",
            cpu_model_name() + " (" + std::to_string(pool_.size()) + " threads, " + k_.isa + ")", 0,
            pool_.size()};
  }
  // The fused decode ops would save nothing here (the CPU decode is at the bandwidth
  // limit already): the session runs the unfused sequence. Block-type weights: matmul
  // (through f32 panels, see matmul_dequant) and get_rows.
  bool supports(Op op, DType d) const override {
    if (is_fused_op(op)) return false;
    if (dtype_is_quantized(d)) return op == Op::MatMul || op == Op::GetRows;
    return d == DType::F32 || d == DType::F16 || d == DType::BF16;
  }

  Tensor alloc(DType dtype, int64_t rows, int64_t cols) override {
    Tensor t;
    t.buf = std::make_shared<HostBuffer>(dtype_tensor_bytes(dtype, rows, cols));
    t.dtype = dtype;
    t.rows = rows;
    t.cols = cols;
    t.stride = cols;
    note_alloc(t.buf->size());
    return t;
  }
  Tensor upload_weight(const TensorView& host, int64_t rows, int64_t cols) override {
    checks::upload_weight(host, rows, cols);
    Tensor t;  // aliases the mapping, which the Model keeps alive
    t.buf = std::make_shared<HostBuffer>(host.data, host.nbytes, nullptr);
    t.dtype = host.dtype;
    t.rows = rows;
    t.cols = cols;
    t.stride = cols;
    return t;
  }
  void upload(const Tensor& dst, const void* src) override { copy_to_tensor(dst, src); }
  void download(const Tensor& src, void* dst) override { copy_from_tensor(src, dst); }
  size_t allocated_bytes() const override { return allocated_; }
  size_t peak_allocated_bytes() const override { return peak_; }

  void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) override {
    checks::get_rows(table, ids, out);
    const auto* id = host_ptr<const int32_t>(ids);
    for (int64_t t = 0; t < ids.cols; ++t) {
      if (id[t] < 0 || id[t] >= table.rows)
        throw Error("token id " + std::to_string(id[t]) + " is outside the vocabulary");
      const char* row =
          host_ptr<const char>(table) + id[t] * dtype_row_bytes(table.dtype, table.stride);
      convert_to_f32(table.dtype, row, host_ptr<float>(out) + t * out.stride, table.cols);
    }
  }

  void rms_norm(const Tensor& x, const Tensor* w, float eps, const Tensor& out) override {
    checks::rms_norm(x, w, out);
    const float* wp = w ? host_ptr<const float>(*w) : nullptr;
    const float* xp = host_ptr<const float>(x);
    float* op = host_ptr<float>(out);
    auto row = [&](int, int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t)
        k_.rms_norm(xp + t * x.stride, wp, eps, x.cols, op + t * out.stride);
    };
    if (x.rows * x.cols < 16384)
      row(0, 0, x.rows);
    else
      pool_.parallel_for(x.rows, 1, row);
  }

  void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) override {
    checks::matmul(x, w, bias, out);
    if (dtype_is_quantized(w.dtype)) return matmul_dequant(x, w, bias, out);
    MatMulArgs a{host_ptr<const float>(x),
                 x.stride,
                 x.rows,
                 x.cols,
                 host_ptr<const void>(w),
                 w.dtype,
                 bias ? host_ptr<const float>(*bias) : nullptr,
                 host_ptr<float>(out),
                 out.stride};
    const int64_t N = w.rows;
    const int64_t work = x.rows * x.cols * N;
    // Split output columns in blocks of 32 (the GEMM panel width) across threads.
    auto part = [&](int t, int64_t b, int64_t e) {
      k_.matmul(a, b, e, scratch_.data() + static_cast<size_t>(t) * kPackFloats);
    };
    if (work < 65536)
      part(0, 0, N);
    else
      pool_.parallel_for(N, 32, part);
  }

  void conv1d_silu(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& state,
                   const Tensor& out) override {
    checks::conv1d_silu(x, w, bias, state, out);
    ConvPtrs p{host_ptr<const float>(x),
               host_ptr<const float>(w),
               bias ? host_ptr<const float>(*bias) : nullptr,
               host_ptr<float>(state),
               host_ptr<float>(out),
               x.stride,
               out.stride,
               x.rows,
               x.cols,
               w.cols};
    auto part = [&](int, int64_t b, int64_t e) { k_.conv(p, b, e); };
    if (x.rows * x.cols < 16384)
      part(0, 0, x.cols);
    else
      pool_.parallel_for(x.cols, 64, part);
  }

  void selective_scan(const ScanArgs& s) override {
    checks::selective_scan(s);
    ScanPtrs p{host_ptr<const float>(s.x),
               host_ptr<const float>(s.dt),
               host_ptr<const float>(s.dt_bias),
               host_ptr<const float>(s.A),
               host_ptr<const float>(s.B),
               host_ptr<const float>(s.C),
               host_ptr<const float>(s.Dskip),
               host_ptr<const float>(s.z),
               host_ptr<float>(s.state),
               host_ptr<float>(s.out),
               s.x.stride,
               s.dt.stride,
               s.B.stride,
               s.C.stride,
               s.z.stride,
               s.out.stride,
               s.x.rows,
               s.x.cols,
               s.A.cols};
    auto part = [&](int, int64_t b, int64_t e) { k_.scan(p, b, e); };
    if (s.x.rows * s.x.cols < 4096)
      part(0, 0, s.x.cols);
    else
      pool_.parallel_for(s.x.cols, 16, part);
  }

  void add(const Tensor& a, const Tensor& b) override {
    checks::add(a, b);
    for (int64_t t = 0; t < a.rows; ++t) {
      float* ap = host_ptr<float>(a) + t * a.stride;
      const float* bp = host_ptr<const float>(b) + t * b.stride;
      for (int64_t c = 0; c < a.cols; ++c) ap[c] += bp[c];
    }
  }

  void synchronize() override {}
  // A streaming read of 1 GiB (far larger than the caches) with the same threads and the
  // same vector loads the kernels use; the best of four passes.
  double measure_read_bandwidth_gbps() override {
    const int64_t n = (int64_t(1) << 30) / 4;
    std::vector<float> buf;
    try {
      buf.resize(n);
    } catch (const std::bad_alloc&) {
      return 0.0;
    }
    pool_.parallel_for(n, 4096, [&](int, int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) buf[i] = static_cast<float>(i & 1023);
    });
    std::vector<float> sums(pool_.size());
    double best = 0;
    for (int pass = 0; pass < 4; ++pass) {
      const auto t0 = std::chrono::steady_clock::now();
      pool_.parallel_for(n, 4096, [&](int t, int64_t b, int64_t e) {
        sums[t] += k_.stream_sum(buf.data() + b, e - b);
      });
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, n * 4.0 / s / 1e9);
    }
    volatile float sink = sums[0];
    (void)sink;
    return best;
  }

 private:
  // Block-type weights, correct but not fast: each thread dequantizes panels of up to 32
  // weight rows to f32 (the reference's exact values) and runs the f32 kernel on them.
  void matmul_dequant(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) {
    constexpr int64_t kPanel = 32;
    const int64_t K = x.cols;
    const size_t row_bytes = dtype_row_bytes(w.dtype, K);
    const auto* wp = host_ptr<const char>(w);
    auto part = [&](int t, int64_t b, int64_t e) {
      std::vector<float>& panel = deq_[static_cast<size_t>(t)];
      if (panel.size() < static_cast<size_t>(kPanel * K)) panel.resize(kPanel * K);  // once
      for (int64_t n0 = b; n0 < e; n0 += kPanel) {
        const int64_t np = std::min(kPanel, e - n0);
        for (int64_t r = 0; r < np; ++r)
          dequantize_row(w.dtype, wp + (n0 + r) * row_bytes, panel.data() + r * K, K);
        MatMulArgs a{host_ptr<const float>(x),
                     x.stride,
                     x.rows,
                     K,
                     panel.data(),
                     DType::F32,
                     bias ? host_ptr<const float>(*bias) + n0 : nullptr,
                     host_ptr<float>(out) + n0,
                     out.stride};
        k_.matmul(a, 0, np, scratch_.data() + static_cast<size_t>(t) * kPackFloats);
      }
    };
    if (x.rows * K * w.rows < 65536)
      part(0, 0, w.rows);
    else
      pool_.parallel_for(w.rows, kPanel, part);
  }

  void note_alloc(size_t bytes) {
    allocated_ += bytes;
    peak_ = std::max(peak_, allocated_);
  }

  const CpuKernels& k_;
  ThreadPool pool_;
  std::vector<float> scratch_;  // per-thread packed weight panels
  std::vector<std::vector<float>> deq_ = std::vector<std::vector<float>>(pool_.size());
  size_t allocated_ = 0, peak_ = 0;
};

}  // namespace

std::unique_ptr<Backend> create_cpu_backend(const BackendOptions& opts) {
  return std::make_unique<CpuBackend>(opts);
}

}  // namespace coil
