// The compute-backend interface (CPU reference, CPU, Vulkan, CUDA implement it).
//
// A backend owns device memory and runs the handful of ops a Mamba forward pass needs.
// Ops are *enqueued*: a GPU backend records/launches them asynchronously, and results are
// visible after synchronize() or download(). All activations and the recurrent state are
// F32; large weight matrices keep their stored dtype (F32, F16, BF16) and are widened in
// the kernels. Every op of every backend is checked against the CPU reference by
// tests/engine/test_backend_ops.cpp (the llama.cpp `test-backend-ops` pattern).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {

struct TensorView;

// Device memory owned by a backend. Kept alive by every Tensor that views it.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual size_t size() const = 0;
};

// A 2-D row-major view [rows, cols] into a buffer; consecutive rows are `stride`
// elements apart (stride >= cols), so column slices of a wider tensor are views too.
// For a block type (Q8_0 ...), cols, stride and column offsets are whole blocks.
struct Tensor {
  std::shared_ptr<Buffer> buf;
  size_t offset = 0;  // bytes from the start of buf
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t stride = 0;  // elements

  bool valid() const { return buf != nullptr; }
  bool contiguous() const { return stride == cols; }
  size_t row_bytes() const { return dtype_row_bytes(dtype, cols); }
  // Bytes covered from the first to the last element.
  size_t span_bytes() const;
  Tensor cols_view(int64_t first_col, int64_t ncols) const;  // same rows, fewer columns
  Tensor rows_view(int64_t first_row, int64_t nrows) const;  // same columns, fewer rows
};

enum class Op {
  GetRows,        // embedding gather
  RmsNorm,        // with or without weight; in place allowed
  MatMul,         // x @ W^T (+ bias): GEMV at T=1, GEMM for prefill chunks
  Conv1dSilu,     // causal depthwise conv over a chunk with carried state, + bias, SiLU
  SelectiveScan,  // the SSM recurrence with softplus(dt + bias), D skip and SiLU(z) gate
  Add,            // residual: a += b
  // Fused decode ops (a backend may leave them out: supports() says so, and the session
  // then runs the unfused sequence above). They fold ~11 ops per layer into 5.
  NormMatMul,  // rms_norm(x) * weight, then @ W^T (+ bias)
  MatMulAdd,   // out += x @ W^T (+ bias): out_proj accumulated into the residual
  ProjScan,    // dt/B/C norms + dt_proj + selective scan in one op
};
const char* op_name(Op op);
// NormMatMul, MatMulAdd and ProjScan: optional, the unfused sequence does the same.
bool is_fused_op(Op op);

// Arguments of the selective scan. Shapes: T tokens in the chunk, D channels, N state size.
struct ScanArgs {
  Tensor x;        // [T, D] conv output after SiLU
  Tensor dt;       // [T, D] dt_proj(dt) without its bias (softplus applied inside)
  Tensor dt_bias;  // [1, D] F32
  Tensor A;        // [D, N] F32, A = -exp(A_log)
  Tensor B;        // [T, N] (a column view of the x_proj output)
  Tensor C;        // [T, N] (likewise)
  Tensor Dskip;    // [1, D] F32
  Tensor z;        // [T, D] gate (a column view of the in_proj output)
  Tensor state;    // [D, N] F32, read and updated in place
  Tensor out;      // [T, D] y_t = (h_t . C_t + D * x_t) * silu(z_t)
};

// Arguments of the fused projection + scan: the scan's operands, but dt is computed inside
// from the low-rank dt of x_proj's output, optionally after FalconMamba's weightless RMS norm
// of dt_low, B and C (which are read, never written):
//   dtn, Bn, Cn = norm(dt_low[t]), norm(B[t]), norm(C[t])   (or unchanged without norm)
//   dt[t, d] = dtn . dt_proj[d, :]      then the selective scan of `scan` with Bn, Cn.
struct ProjScanArgs {
  ScanArgs scan;            // every operand but scan.dt, which is not read
  Tensor dt_low;            // [T, R] (a column view of the x_proj output)
  Tensor dt_proj;           // [D, R] F32|F16|BF16 weight, contiguous
  bool norm_dt_bc = false;  // FalconMamba: weightless RMS norm of dt_low, B and C
  float norm_eps = 0.0f;
};

// A recorded sequence of ops that can be replayed (CUDA Graph, Vulkan command buffer, or a
// stored callback on the CPU). Replays read their inputs from the same device tensors,
// which the caller updates with upload() before each replay.
class Graph {
 public:
  virtual ~Graph() = default;
  virtual void replay() = 0;
};

// The time one op of one shape took while profiling was on (`coil bench --profile`).
struct OpProfile {
  std::string op;     // "matmul", "norm_matmul", ...
  std::string shape;  // e.g. "T=1 K=4096 N=16384 BF16"
  int64_t calls = 0;
  double wall_ms = 0;                  // from the op's start to its end, all calls
  double weight_bytes = 0;             // weight bytes read, all calls
  std::vector<double> thread_busy_ms;  // time each thread worked inside it, all calls
};

struct BackendInfo {
  std::string name;          // "cpu", "cpu-ref", "vulkan", "cuda"
  std::string device;        // e.g. "Intel(R) Xeon(R) Processor (2 threads, avx512vnni)"
  size_t device_memory = 0;  // bytes (0 if not meaningful)
  int threads = 0;           // CPU backends
  // CPU: where the weights a decode step streams live, for people: "2 MiB pages" (copied
  // there at load, or synthetic weights made there) or "4 KiB pages" (used in place from
  // the file mapping; BackendOptions::cpu_huge_pages = false).
  std::string weight_pages;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual BackendInfo info() const = 0;
  // Exactly whether `op` runs with weights of `weight_dtype` (F32 for ops without weights).
  virtual bool supports(Op op, DType weight_dtype) const = 0;

  // --- memory ---------------------------------------------------------------------------
  // A new zero-filled contiguous tensor.
  virtual Tensor alloc(DType dtype, int64_t rows, int64_t cols) = 0;
  // A weight tensor with the contents of a host tensor (flattened to [rows, cols], kept
  // in its dtype). The CPU backend may alias the memory-mapped file instead of copying.
  virtual Tensor upload_weight(const TensorView& host, int64_t rows, int64_t cols);
  // Host <-> device copies of a whole tensor (strided views are copied row by row).
  virtual void upload(const Tensor& dst, const void* src) = 0;
  virtual void download(const Tensor& src, void* dst) = 0;
  // Bytes of device memory allocated now and at most so far (weights included).
  virtual size_t allocated_bytes() const = 0;
  virtual size_t peak_allocated_bytes() const = 0;

  // --- ops (shapes in comments; all non-weight tensors F32) -----------------------------
  // out[t, :] = table[ids[t], :]. table [V, H] F32|F16|BF16, ids [1, T] I32, out [T, H].
  virtual void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) = 0;
  // out[t, :] = x[t, :] / sqrt(mean(x[t, :]^2) + eps) * weight. x, out [T, H] (may alias),
  // weight [1, H] F32 or nullptr (the weightless norm FalconMamba applies to dt, B and C).
  virtual void rms_norm(const Tensor& x, const Tensor* weight, float eps, const Tensor& out) = 0;
  // out[t, n] = sum_k x[t, k] * w[n, k] + bias[n]. x [T, K] F32, w [N, K] F32|F16|BF16,
  // bias [1, N] F32 or nullptr, out [T, N]. F32 accumulation.
  virtual void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out) = 0;
  // Causal depthwise conv of kernel K over the chunk, with the K-1 previous inputs taken
  // from conv_state, then + bias and SiLU. Updates conv_state to the chunk's last K-1
  // inputs. x [T, D], weight [D, K] F32, bias [1, D] F32 or nullptr,
  // conv_state [K-1, D] F32 (oldest row first), out [T, D] (must not alias x).
  virtual void conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                           const Tensor& conv_state, const Tensor& out) = 0;
  // For each t: delta = softplus(dt[t] + dt_bias); h = exp(delta*A) * h + delta*x[t]*B[t];
  // out[t] = (h . C[t] + Dskip * x[t]) * silu(z[t]). Sequential in t, state carried.
  virtual void selective_scan(const ScanArgs& a) = 0;
  // a += b. a, b [T, H].
  virtual void add(const Tensor& a, const Tensor& b) = 0;

  // --- fused decode ops (supports() false by default; these then throw) ------------------
  // out[t, n] = sum_k (x[t, k] / sqrt(mean(x[t, :]^2) + eps) * norm_w[k]) * w[n, k] + bias[n].
  // x [T, K] F32, norm_w [1, K] F32, w [N, K] F32|F16|BF16, bias [1, N] F32 or nullptr,
  // out [T, N] (must not alias x). The session uses it at T = 1.
  virtual void norm_matmul(const Tensor& x, const Tensor& norm_w, float eps, const Tensor& w,
                           const Tensor* bias, const Tensor& out);
  // out[t, n] += sum_k x[t, k] * w[n, k] + bias[n]. Shapes as matmul (out must not alias x).
  virtual void matmul_add(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out);
  // The selective scan with dt_proj (and FalconMamba's dt/B/C norm) folded in; see
  // ProjScanArgs. Sequential in t, state carried.
  virtual void proj_scan(const ProjScanArgs& a);

  // --- execution ------------------------------------------------------------------------
  // Records the ops `record` enqueues into a replayable graph. The default implementation
  // stores the callback and calls it on each replay (fine for the CPU).
  virtual std::unique_ptr<Graph> capture(const std::function<void()>& record);
  // Waits for every enqueued op.
  virtual void synchronize() = 0;

  // --- measurement ----------------------------------------------------------------------
  // Per-op timing (optional; the CPU backend has it): while on, every op's wall time and
  // per-thread work time are summed by op and shape; take_profile() returns them (slowest
  // first) and starts again. Returns false where the backend cannot profile.
  virtual bool set_profiling(bool /*on*/) { return false; }
  virtual std::vector<OpProfile> take_profile() { return {}; }
  // The device's memory read bandwidth in GB/s, measured now with a large streaming read
  // (the CPU backends read host memory with their own threads; GPUs read device memory).
  virtual double measure_read_bandwidth_gbps() = 0;
};

// How a backend is created. The last fields are switches for debugging and measuring: the
// programs' main() reads them from COIL_* environment variables (coil/environment.hpp), the
// libraries never do.
struct BackendOptions {
  int device = -1;               // GPU index, -1 = the default choice
  int threads = 0;               // CPU threads, 0 = physical cores
  bool allow_cpu_device = true;  // Vulkan: accept CPU implementations such as lavapipe

  // cpu: the kernels' instruction set, "scalar", "avx2", "avx512", "avx512vnni"; "" or
  // "auto" = the best this CPU runs (COIL_CPU_ISA). A set the CPU lacks is an error.
  std::string cpu_isa;
  // cpu: weight matrices of 2 MiB and more copied at load into anonymous 2 MiB-page memory
  // (coil/huge_pages.hpp), where decode streams them 8-31% faster than from the file's 4 KiB
  // page-cache mapping; the copy is resident memory (not reclaimable page cache) as large as
  // the weights. false = used in place from the mapping (COIL_CPU_HUGE_PAGES=0).
  bool cpu_huge_pages = true;
  // vulkan: the Khronos validation layer (with synchronization validation); any message it
  // reports becomes a coil::Error at the next synchronization point (COIL_VULKAN_VALIDATION=1).
  bool vulkan_validation = false;
  // vulkan: false = the shared-memory shader variants instead of subgroup operations
  // (COIL_VULKAN_NO_SUBGROUPS=1).
  bool vulkan_subgroups = true;
  // cuda: prefill GEMMs split into column tiles (false: one cuBLAS call, COIL_CUDA_GEMM=single).
  bool cuda_split_gemm = true;
  // cuda: the GEMM scratch cap in bytes, 0 = the default (COIL_CUDA_GEMM_SCRATCH_MB).
  size_t cuda_gemm_scratch_bytes = 0;
  // cuda: programmatic dependent launch on Hopper and newer (COIL_CUDA_PDL=0 turns it off).
  bool cuda_pdl = true;
};

// A device of a backend, for people (`text`) and for planning (the numbers).
struct DeviceDescription {
  std::string text;           // one line: name, type, memory, ... (what `coil devices` prints)
  size_t memory_bytes = 0;    // device-local memory; 0 where not meaningful (the CPU)
  bool hardware_gpu = false;  // a usable GPU: not a CPU implementation such as lavapipe
};

// Creating a backend by name, the automatic choice and the self-check: coil/registry.hpp.
// Each backend's own factory: coil/cpu_backend.hpp, coil/cpu_ref_backend.hpp,
// coil/cuda_backend.hpp, coil/vulkan_backend.hpp.

}  // namespace coil
