// The CPU backend: the reference math, vectorised (cpu_kernels_*) and split over a thread
// pool. Weight matrices of 2 MiB and more are copied at load into 2 MiB-page memory
// (BackendOptions::cpu_huge_pages), smaller ones used in place from the memory-mapped file;
// Q4_0 and Q8_0 ones in the kernels' row-group layout where they have one (cpu_repack.hpp).
#include "coil/cpu_backend.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "coil/error.hpp"
#include "coil/host_buffer.hpp"
#include "coil/huge_pages.hpp"
#include "coil/op_checks.hpp"
#include "coil/quants.hpp"
#include "coil/tensor_view.hpp"
#include "cpu_bandwidth.hpp"
#include "cpu_kernels.hpp"
#include "cpu_profiler.hpp"
#include "cpu_repack.hpp"
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

// "T=1 K=4096 N=16384 BF16" (N left out when 0)
std::string shape(int64_t T, int64_t K, int64_t N, DType d) {
  std::string s = "T=" + std::to_string(T) + " K=" + std::to_string(K);
  if (N) s += " N=" + std::to_string(N);
  return s + " " + dtype_name(d);
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& opts)
      : k_(cpu_kernels_for(opts.cpu_isa)),
        huge_pages_(opts.cpu_huge_pages),
        pool_(opts.threads > 0 ? opts.threads : physical_cores()),
        scratch_(pool_.size(), std::vector<float>(std::max(kPackFloats, kScratchFloats))),
        prof_(pool_) {}

  BackendInfo info() const override {
    return {"cpu",
            cpu_model_name() + " (" + std::to_string(pool_.size()) + " threads, " + k_.isa + ")", 0,
            pool_.size(), weight_pages()};
  }
  // Every op, fused ones included (they save the decode step a parallel section per layer
  // and every serial op: README, "CPU decode and short prompts"), with weights of every
  // element and block type (block types on integer activations where the kernels have
  // them, else through f32 panels of dequantized rows).
  bool supports(Op /*op*/, DType d) const override { return d != DType::I32; }

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
    Tensor t;
    // Q4_0 / Q8_0 in row groups where the kernels read them (a copy even of weights already
    // in 2 MiB pages: synthetic ones, which the model keeps as made)
    const bool group =
        huge_pages_ && host.nbytes >= kHugeCopyMin && k_.groups_ok(host.dtype, rows, cols);
    const bool large = huge_pages_ && (!host.huge_pages || group) && host.nbytes >= kHugeCopyMin;
    // once memory is short, this weight and the rest stay in place
    const bool short_of_memory = large && (left_in_place_ > 0 || !copy_fits_in_memory(host.nbytes));
    if (short_of_memory) left_in_place_ += host.nbytes;
    if (large && !short_of_memory) {
      // a copy in 2 MiB pages, made by every thread (it pays the page faults as it writes)
      auto mem = std::make_shared<HugePageMemory>(host.nbytes);
      const auto* src = static_cast<const char*>(host.data);
      const int64_t chunks = static_cast<int64_t>((host.nbytes + kHugeCopyMin - 1) / kHugeCopyMin);
      if (group) {
        const int64_t grouped = repack::grouped_rows(rows);
        pool_.parallel_for(grouped / repack::kGroupRows, 1, [&](int, int64_t b, int64_t e) {
          repack::pack_groups(host.dtype, cols, src, mem->data(), b, e);
        });
        const size_t tail = static_cast<size_t>(grouped) * dtype_row_bytes(host.dtype, cols);
        std::memcpy(mem->data() + tail, src + tail, host.nbytes - tail);  // rows as stored
      } else {
        pool_.parallel_for(chunks, 1, [&](int, int64_t b, int64_t e) {
          const size_t from = static_cast<size_t>(b) * kHugeCopyMin;
          const size_t to = std::min(host.nbytes, static_cast<size_t>(e) * kHugeCopyMin);
          std::memcpy(mem->data() + from, src + from, to - from);
        });
      }
      if (host.file_mapped) drop_mapped_pages(host.data, host.nbytes);  // not resident twice
      t.buf = std::make_shared<HostBuffer>(mem->data(), host.nbytes, mem);
      if (group) groups_[t.buf.get()] = {t.buf, rows};
    } else {  // aliases the mapping, which the Model keeps alive
      t.buf = std::make_shared<HostBuffer>(host.data, host.nbytes, nullptr);
    }
    t.dtype = host.dtype;
    t.rows = rows;
    t.cols = cols;
    t.stride = cols;
    return t;
  }
  void upload(const Tensor& dst, const void* src) override {
    if (group_of(dst)) throw Error("a weight of the CPU backend is read-only after upload_weight");
    copy_to_tensor(dst, src);
  }
  // A weight in row groups as stored: the layout never leaves the backend.
  void download(const Tensor& src, void* dst) override {
    if (const Group* g = group_of(src)) {
      const int64_t first = view_first_row(src);
      return repack::unpack_rows(src.dtype, g->rows, src.cols,
                                 host_ptr<const char>(src) - src.offset, first, src.rows, dst);
    }
    copy_from_tensor(src, dst);
  }
  size_t allocated_bytes() const override { return allocated_; }
  size_t peak_allocated_bytes() const override { return peak_; }

  void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) override {
    checks::get_rows(table, ids, out);
    CpuProfiler::Scope ps(prof_, "get_rows");
    if (ps.active()) ps.describe(shape(ids.cols, table.cols, 0, table.dtype), 0, true);
    const auto* id = host_ptr<const int32_t>(ids);
    const Group* g = group_of(table);
    const int64_t first = g ? view_first_row(table) : 0;
    for (int64_t t = 0; t < ids.cols; ++t) {
      if (id[t] < 0 || id[t] >= table.rows)
        throw Error("token id " + std::to_string(id[t]) + " is outside the vocabulary");
      const char* row =
          host_ptr<const char>(table) + id[t] * dtype_row_bytes(table.dtype, table.stride);
      if (g) {                                 // the row as stored, from its group
        row_bytes_.resize(table.row_bytes());  // once: the table's row size never changes
        repack::unpack_rows(table.dtype, g->rows, table.cols,
                            host_ptr<const char>(table) - table.offset, first + id[t], 1,
                            row_bytes_.data());
        row = reinterpret_cast<const char*>(row_bytes_.data());
      }
      convert_to_f32(table.dtype, row, host_ptr<float>(out) + t * out.stride, table.cols);
    }
  }

  void rms_norm(const Tensor& x, const Tensor* w, float eps, const Tensor& out) override {
    checks::rms_norm(x, w, out);
    CpuProfiler::Scope ps(prof_, "rms_norm");
    if (ps.active()) ps.describe(shape(x.rows, x.cols, 0, DType::F32), 0, x.rows * x.cols < 16384);
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
    CpuProfiler::Scope ps(prof_, "matmul");
    run_matmul(ps, args(x, w, bias, out), w);
  }

  void norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                   const Tensor* bias, const Tensor& out) override {
    checks::norm_matmul(x, norm_w, w, bias, out);
    CpuProfiler::Scope ps(prof_, "norm_matmul");
    MatMulArgs a = args(x, w, bias, out);
    if (!dtype_is_quantized(w.dtype) && x.rows <= kDotMaxTokens && x.cols <= kScratchFloats) {
      // the few-token kernel norms x as it prepares it
      a.norm_w = host_ptr<const float>(norm_w);
      a.norm_eps = eps;
    } else {  // the other kernels read x as given: norm it first
      float* xn = grow(staging_, static_cast<size_t>(x.rows * x.cols));
      for (int64_t t = 0; t < x.rows; ++t)
        k_.rms_norm(a.x + t * a.x_stride, host_ptr<const float>(norm_w), eps, x.cols,
                    xn + t * x.cols);
      a.x = xn;
      a.x_stride = x.cols;
    }
    run_matmul(ps, a, w);
  }

  void matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias,
                  const Tensor& out) override {
    checks::matmul(x, w, bias, out);
    CpuProfiler::Scope ps(prof_, "matmul_add");
    MatMulArgs a = args(x, w, bias, out);
    a.accumulate = true;
    run_matmul(ps, a, w);
  }

  // dt/B/C norms (serial: R + 2N floats a token), then per channel range on each thread the
  // dt_proj rows and the scan of those channels: one parallel section instead of two. A
  // channel range's dt_proj call prepares its activations itself (R floats a token).
  void proj_scan(const ProjScanArgs& fused) override {
    checks::proj_scan(fused);
    const ScanArgs& s = fused.scan;
    CpuProfiler::Scope ps(prof_, "proj_scan");
    const int64_t T = s.x.rows, D = s.x.cols, N = s.A.cols, R = fused.dt_low.cols;
    const bool serial = T * D < 4096;
    if (ps.active())
      ps.describe(shape(T, R, D, fused.dt_proj.dtype) + " N=" + std::to_string(N),
                  fused.dt_proj.span_bytes(), serial);
    // [T, R + 2N]: dt_low, B and C of each token, normed where the model says so
    float* dbc = grow(staging_, static_cast<size_t>(T * (R + 2 * N)));
    float* dt = grow(dt_, static_cast<size_t>(T * D));  // [T, D]
    const Tensor* parts[3] = {&fused.dt_low, &s.B, &s.C};
    for (int64_t t = 0; t < T; ++t) {
      float* row = dbc + t * (R + 2 * N);
      for (const Tensor* p : parts) {
        const float* src = host_ptr<const float>(*p) + t * p->stride;
        if (fused.norm_dt_bc)
          k_.rms_norm(src, nullptr, fused.norm_eps, p->cols, row);
        else
          std::copy(src, src + p->cols, row);
        row += p->cols;
      }
    }
    MatMulArgs a{dbc,     R + 2 * N, T, R, host_ptr<const void>(fused.dt_proj), fused.dt_proj.dtype,
                 nullptr, dt,        D};
    a.grouped_rows = grouped_rows(fused.dt_proj);
    ScanPtrs p{host_ptr<const float>(s.x),
               dt,
               host_ptr<const float>(s.dt_bias),
               host_ptr<const float>(s.A),
               dbc + R,
               dbc + R + N,
               host_ptr<const float>(s.Dskip),
               host_ptr<const float>(s.z),
               host_ptr<float>(s.state),
               host_ptr<float>(s.out),
               s.x.stride,
               D,
               R + 2 * N,
               R + 2 * N,
               s.z.stride,
               s.out.stride,
               T,
               D,
               N};
    auto part = [&](int t, int64_t b, int64_t e) {
      matmul_range(a, t, b, e);
      k_.scan(p, b, e);
    };
    if (serial)
      part(0, 0, D);
    else  // in chunks the threads take as they get to them, as run_matmul does
      pool_.parallel_chunks(D, (D / (4 * pool_.size()) + 15) / 16 * 16, part);
  }

  void conv1d_silu(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& state,
                   const Tensor& out) override {
    checks::conv1d_silu(x, w, bias, state, out);
    CpuProfiler::Scope ps(prof_, "conv1d_silu");
    const bool serial = x.rows * x.cols < 4096;
    if (ps.active()) ps.describe(shape(x.rows, x.cols, w.cols, DType::F32), 0, serial);
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
    if (serial)
      part(0, 0, x.cols);
    else
      pool_.parallel_for(x.cols, 64, part);
  }

  void selective_scan(const ScanArgs& s) override {
    checks::selective_scan(s);
    CpuProfiler::Scope ps(prof_, "selective_scan");
    if (ps.active())
      ps.describe(shape(s.x.rows, s.x.cols, s.A.cols, DType::F32), 0, s.x.rows * s.x.cols < 4096);
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
    CpuProfiler::Scope ps(prof_, "add");
    if (ps.active()) ps.describe(shape(a.rows, a.cols, 0, DType::F32), 0, true);
    for (int64_t t = 0; t < a.rows; ++t) {
      float* ap = host_ptr<float>(a) + t * a.stride;
      const float* bp = host_ptr<const float>(b) + t * b.stride;
      for (int64_t c = 0; c < a.cols; ++c) ap[c] += bp[c];
    }
  }

  void synchronize() override {}
  bool set_profiling(bool on) override {
    prof_.set(on);
    return true;
  }
  std::vector<OpProfile> take_profile() override { return prof_.take(); }
  double measure_read_bandwidth_gbps() override { return measure_cpu_read_bandwidth(pool_, k_); }

 private:
  static MatMulArgs args(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) {
    return {host_ptr<const float>(x),
            x.stride,
            x.rows,
            x.cols,
            host_ptr<const void>(w),
            w.dtype,
            bias ? host_ptr<const float>(*bias) : nullptr,
            host_ptr<float>(out),
            out.stride};
  }
  // A buffer of at least n floats (grown at a shape's first call: decode's in its warm-up).
  static float* grow(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
  // Output columns split across threads in chunks each thread takes as it gets to them
  // (ThreadPool::parallel_chunks): whole tiles of the few-token and quantized kernels or row
  // groups, GEMM panels of 32, or dequantized panels of 32; about 1 MiB of weights a chunk, and at
  // least 4 chunks a thread, so that a thread slowed by another process leaves the others little to
  // wait for. The few-token kernel prepares a thread's activations at its first chunk.
  void run_matmul(CpuProfiler::Scope& ps, MatMulArgs a, const Tensor& w) {
    const int64_t N = w.rows, work = a.T * a.K * N;
    if (ps.active()) ps.describe(shape(a.T, a.K, N, w.dtype), w.span_bytes(), work < 65536);
    a.grouped_rows = grouped_rows(w);
    const bool q = dtype_is_quantized(a.wt);
    const int64_t grain = a.grouped_rows > 0 ? repack::kGroupRows  // whole groups of rows
                          : q                ? (k_.quant_ok(a.wt, a.K) ? 4 : kDequantRows)
                                             : (a.T <= kDotMaxTokens ? 8 : 32);
    if (work < 65536) return matmul_range(a, 0, 0, N);
    const int64_t row_bytes =
        std::max<int64_t>(1, static_cast<int64_t>(dtype_row_bytes(a.wt, a.K)));
    // weights in row groups: one part a thread, read as 4 streams (measured faster than 1 MiB
    // chunks: docs/PERFORMANCE.md, "Quantized weights in row groups")
    const int64_t parts = a.grouped_rows > 0 ? pool_.size() : 4 * pool_.size();
    const int64_t most = (N + parts - 1) / parts;
    const int64_t rows = std::max<int64_t>(
        1, a.grouped_rows > 0 ? most : std::min<int64_t>(kChunkBytes / row_bytes, most));
    const int64_t chunk = (rows + grain - 1) / grain * grain;
    std::fill(first_chunk_.begin(), first_chunk_.end(), 1);
    pool_.parallel_chunks(N, chunk, [&](int t, int64_t b, int64_t e) {
      MatMulArgs c = a;
      c.x_prepared = !first_chunk_[t];
      first_chunk_[t] = 0;
      matmul_range(c, t, b, e);
    });
  }
  static constexpr int64_t kChunkBytes = int64_t{1} << 20;

  // Output columns [b, e) of one matmul on thread t: the table's kernel, or for block-type
  // weights it has none for, panels of kDequantRows rows dequantized to f32 (the reference's
  // exact values) through the F32 kernel.
  static constexpr int64_t kDequantRows = 32;
  void matmul_range(const MatMulArgs& a, int t, int64_t b, int64_t e) {
    float* scratch = scratch_[t].data();
    if (!dtype_is_quantized(a.wt) || a.grouped_rows > 0 || k_.quant_ok(a.wt, a.K))
      return k_.matmul(a, b, e, scratch);
    const size_t row_bytes = dtype_row_bytes(a.wt, a.K);
    float* panel = grow(deq_[t], static_cast<size_t>(kDequantRows * a.K));  // once a size
    for (int64_t n0 = b; n0 < e; n0 += kDequantRows) {
      const int64_t np = std::min(kDequantRows, e - n0);
      for (int64_t r = 0; r < np; ++r)
        dequantize_row(a.wt, static_cast<const char*>(a.w) + (n0 + r) * row_bytes, panel + r * a.K,
                       a.K);
      MatMulArgs p = a;
      p.x_prepared = false;  // the panel kernel's first call prepares
      p.w = panel;
      p.wt = DType::F32;
      p.bias = a.bias ? a.bias + n0 : nullptr;
      p.y = a.y + n0;
      k_.matmul(p, 0, np, scratch);
    }
  }

  void note_alloc(size_t bytes) {
    allocated_ += bytes;
    peak_ = std::max(peak_, allocated_);
  }

  // A weight upload_weight stored in row groups: its buffer (to tell a new buffer at a
  // freed one's address apart) and its rows.
  struct Group {
    std::weak_ptr<Buffer> buf;
    int64_t rows;
  };
  const Group* group_of(const Tensor& t) {
    if (groups_.empty() || !t.buf) return nullptr;
    auto it = groups_.find(t.buf.get());
    if (it == groups_.end()) return nullptr;
    if (it->second.buf.lock() != t.buf) {  // freed, and the address reused
      groups_.erase(it);
      return nullptr;
    }
    return &it->second;
  }
  // The first row of a view of a weight in row groups (whole rows only).
  static int64_t view_first_row(const Tensor& t) {
    const size_t rb = t.row_bytes();
    if (!t.contiguous() || t.offset % rb != 0)
      throw Error("a column view of a weight in row groups is not supported");
    return static_cast<int64_t>(t.offset / rb);
  }
  // Rows of the view w in row groups, from its first row (0: none).
  int64_t grouped_rows(const Tensor& w) {
    const Group* g = group_of(w);
    if (!g) return 0;
    const int64_t first = view_first_row(w);
    if (first % repack::kGroupRows != 0)
      throw Error("a rows view of a weight in row groups must start at a multiple of 16 rows");
    return std::clamp<int64_t>(repack::grouped_rows(g->rows) - first, 0, w.rows);
  }

  std::string weight_pages() const {
    if (!huge_pages_) return "4 KiB pages";
    if (left_in_place_ == 0) return "2 MiB pages";
    return "2 MiB pages until memory ran short, " + std::to_string(left_in_place_ >> 20) +
           " MiB in 4 KiB pages";
  }

  // weights of at least this many bytes go to 2 MiB pages (smaller ones would waste most
  // of their last page)
  static constexpr size_t kHugeCopyMin = size_t{2} << 20;

  const CpuKernels& k_;
  const bool huge_pages_;
  size_t left_in_place_ = 0;  // large weight bytes not copied: memory was short
  ThreadPool pool_;
  std::vector<std::vector<float>> scratch_;  // per thread, kScratchFloats: matmul scratch
  std::vector<float> staging_, dt_;          // fused ops' normed inputs and dt
  CpuProfiler prof_;
  std::vector<std::vector<float>> deq_ = std::vector<std::vector<float>>(pool_.size());
  std::unordered_map<const Buffer*, Group> groups_;                  // weights in row groups
  std::vector<uint8_t> row_bytes_;                                   // get_rows: one row as stored
  std::vector<char> first_chunk_ = std::vector<char>(pool_.size());  // run_matmul, per thread
  size_t allocated_ = 0, peak_ = 0;
};

}  // namespace

std::unique_ptr<Backend> create_cpu_backend(const BackendOptions& opts) {
  return std::make_unique<CpuBackend>(opts);
}

}  // namespace coil
