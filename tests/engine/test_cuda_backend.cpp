// The CUDA backend beyond the per-op conformance test (test_backend_ops) and the whole-model
// parity test: without a GPU, a clear error naming CUDA (also through the CLI, and the
// automatic fallback to the CPU); with one, device listing and selection, out of memory,
// copies of strided views, graph replay with new inputs and no per-token allocation,
// programmatic dependent launch against plain launches, and ops at model scale.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "coil/error.hpp"
#include "coil/quants.hpp"
#include "coil/registry.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

bool cuda_compiled() {
  const auto names = compiled_backends();
  return std::find(names.begin(), names.end(), "cuda") != names.end();
}

// Why the CUDA backend cannot run here, or "" when it can.
const std::string& unavailable_reason() {
  static const std::string why = [] {
    try {
      create_backend("cuda", test::backend_options());
      return std::string();
    } catch (const Error& e) {
      return std::string(e.what());
    }
  }();
  return why;
}

#define REQUIRE_CUDA_COMPILED()                                                            \
  do {                                                                                     \
    if (!cuda_compiled())                                                                  \
      GTEST_SKIP() << "the CUDA backend is not compiled into this build (-DCOIL_CUDA=ON)"; \
  } while (0)

#define REQUIRE_NO_GPU()                                                                 \
  do {                                                                                   \
    REQUIRE_CUDA_COMPILED();                                                             \
    if (unavailable_reason().empty())                                                    \
      GTEST_SKIP() << "a CUDA device is present; this test is for machines without one"; \
  } while (0)

#define REQUIRE_GPU()                                                                              \
  do {                                                                                             \
    REQUIRE_CUDA_COMPILED();                                                                       \
    if (!unavailable_reason().empty()) GTEST_SKIP() << "no CUDA device: " << unavailable_reason(); \
  } while (0)

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

struct CliRun {
  int exit_code;
  std::string output;  // stdout and stderr together
};

CliRun run_cli(const std::string& args) {
  const std::string cmd = "'" + test::cli_path().string() + "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<float> uniform(size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = f32_to_bf16(v[i]);
  return out;
}

Tensor make(Backend& be, DType dt, int64_t rows, int64_t cols, const void* data) {
  Tensor t = be.alloc(dt, rows, cols);
  be.upload(t, data);
  return t;
}

std::vector<float> fetch(Backend& be, const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.rows * t.cols));
  be.download(t, v.data());
  return v;
}

double rel_diff(const std::vector<float>& a, const std::vector<float>& ref) {
  double md = 0, mr = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    md = std::max(md, double(std::fabs(a[i] - ref[i])));
    mr = std::max(mr, double(std::fabs(ref[i])));
  }
  return mr > 0 ? md / mr : md;
}

// --- without a GPU ------------------------------------------------------------------------

TEST(CudaWithoutGpu, CreatingTheBackendThrowsAnErrorThatNamesCudaAndTheReason) {
  REQUIRE_NO_GPU();
  const std::string& why = unavailable_reason();
  EXPECT_TRUE(contains(why, "CUDA")) << why;
  EXPECT_TRUE(contains(why, "driver") || contains(why, "GPU")) << why;
  // the same through an explicit device index
  BackendOptions o = test::backend_options();
  o.device = 1;
  try {
    create_backend("cuda", o);
    FAIL() << "created a CUDA backend without a GPU";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "CUDA")) << e.what();
  }
}

TEST(CudaWithoutGpu, ListingDevicesSaysWhy) {
  REQUIRE_NO_GPU();
  try {
    const auto devices = list_devices("cuda");
    EXPECT_TRUE(devices.empty());
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "CUDA")) << e.what();
  }
  const CliRun r = run_cli("devices");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "cuda")) << r.output;
}

TEST(CudaWithoutGpu, CliLogitsOnCudaExitsNonZeroNamingCudaAndWritesNothing) {
  REQUIRE_NO_GPU();
  COIL_REQUIRE_FIXTURES("models/falcon-tiny-f32");
  const auto out = test::temp_dir() / "logits.f32";
  const CliRun r =
      run_cli("logits --model '" + (test::fixtures_dir() / "models/falcon-tiny-f32").string() +
              "' --ids 1,2,3 --out '" + out.string() + "' --backend cuda");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "CUDA")) << r.output;
  EXPECT_FALSE(contains(r.output, "terminate called")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
}

TEST(CudaWithoutGpu, CliAutoFallsBackToTheCpuAndSaysWhy) {
  REQUIRE_NO_GPU();
  COIL_REQUIRE_FIXTURES("models/falcon-tiny-f32");
  const auto out = test::temp_dir() / "logits.f32";
  const CliRun r =
      run_cli("logits --model '" + (test::fixtures_dir() / "models/falcon-tiny-f32").string() +
              "' --ids 1,2,3 --out '" + out.string() + "' --backend auto");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "ran on cpu")) << "a short fallback note: " << r.output;
  EXPECT_TRUE(contains(r.output, "-v")) << "the note says how to see why: " << r.output;
  EXPECT_TRUE(std::filesystem::exists(out));
  // with -v the note gives the engine's reason, which names CUDA
  const CliRun v =
      run_cli("-v logits --model '" + (test::fixtures_dir() / "models/falcon-tiny-f32").string() +
              "' --ids 1,2,3 --out '" + out.string() + "' --backend auto");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_TRUE(contains(v.output, "CUDA"))
      << "the verbose fallback note should give the reason: " << v.output;
}

// --- with a GPU ---------------------------------------------------------------------------

TEST(CudaDevice, ListsDevicesWithTheirComputeCapability) {
  REQUIRE_GPU();
  const auto devices = list_devices("cuda");
  ASSERT_FALSE(devices.empty());
  for (const auto& d : devices) EXPECT_TRUE(contains(d, "compute")) << d;
  auto be = create_backend("cuda", test::backend_options());
  EXPECT_EQ(be->info().name, "cuda");
  EXPECT_FALSE(be->info().device.empty());
  EXPECT_GT(be->info().device_memory, size_t(0));
  EXPECT_TRUE(contains(devices[0], be->info().device)) << devices[0];
}

TEST(CudaDevice, SelectsADeviceByIndexAndRejectsOneThatDoesNotExist) {
  REQUIRE_GPU();
  BackendOptions o = test::backend_options();
  o.device = 0;
  EXPECT_NO_THROW(create_backend("cuda", o));
  o.device = 1000;
  try {
    create_backend("cuda", o);
    FAIL() << "GPU 1000 exists?";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "CUDA")) << e.what();
    EXPECT_TRUE(contains(e.what(), "1000")) << e.what();
  }
}

TEST(CudaDevice, AnAbsurdAllocationIsAnOutOfMemoryErrorAndTheBackendStaysUsable) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  const size_t before = be->allocated_bytes();
  try {
    be->alloc(DType::F32, int64_t(1) << 20, int64_t(1) << 20);  // 4 TiB
    FAIL() << "allocated 4 TiB";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "CUDA")) << e.what();
    EXPECT_TRUE(contains(e.what(), "out of GPU memory")) << e.what();
  }
  EXPECT_EQ(be->allocated_bytes(), before);
  const auto v = uniform(1000, -1, 1, 7);
  Tensor t = make(*be, DType::F32, 10, 100, v.data());
  EXPECT_EQ(fetch(*be, t), v);
  EXPECT_GE(be->peak_allocated_bytes(), be->allocated_bytes());
}

TEST(CudaDevice, CopiesStridedViewsAndCopiesLargerThanTheStagingBuffers) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  // a column view: only its columns change
  Tensor t = be->alloc(DType::F32, 5, 10);
  const std::vector<float> cols{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  be->upload(t.cols_view(2, 3), cols.data());
  const auto all = fetch(*be, t);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(all[r * 10 + c], c >= 2 && c < 5 ? cols[r * 3 + c - 2] : 0.f) << r << "," << c;
  EXPECT_EQ(fetch(*be, t.cols_view(2, 3)), cols);
  // 48 MB contiguous, and a strided view whose rows are larger than a staging slot
  const auto big = uniform(size_t(12) << 20, -1, 1, 3);
  Tensor b = make(*be, DType::F32, 3, int64_t(4) << 20, big.data());
  EXPECT_EQ(fetch(*be, b), big);
  const Tensor view = b.cols_view(1, int64_t(3) << 20);
  const auto part = fetch(*be, view);
  for (int r = 0; r < 3; ++r)
    for (int64_t c = 0; c < view.cols; c += 4099)
      ASSERT_EQ(part[r * view.cols + c], big[r * b.cols + 1 + c]) << r << "," << c;
  be->upload(view, big.data());
  const auto back = fetch(*be, view);
  EXPECT_TRUE(std::equal(back.begin(), back.end(), big.begin()));
}

// A small decode-like step: embedding, norm, GEMV, weightless norms of column slices, a
// residual add. Replayed with new token ids, it must equal the same ops run eagerly.
struct Step {
  Tensor table, norm_w, w, ids, h, xn, y;
  void record(Backend& be) const {
    be.get_rows(table, ids, h);
    be.rms_norm(h, &norm_w, 1e-5f, xn);
    be.matmul(xn, w, nullptr, y);
    be.rms_norm(y.cols_view(0, 16), nullptr, 1e-6f, y.cols_view(0, 16));
    be.rms_norm(y.cols_view(16, 48), nullptr, 1e-6f, y.cols_view(16, 48));
    be.add(h, y.cols_view(0, 64));
  }
};

Step make_step(Backend& be) {
  const int64_t V = 50, H = 64, N = 96;
  const auto table = to_bf16(uniform(V * H, -2, 2, 11));
  const auto norm_w = uniform(H, 0.5, 1.5, 12);
  const auto w = to_bf16(uniform(N * H, -0.5, 0.5, 13));
  Step s;
  s.table = make(be, DType::BF16, V, H, table.data());
  s.norm_w = make(be, DType::F32, 1, H, norm_w.data());
  s.w = make(be, DType::BF16, N, H, w.data());
  s.ids = be.alloc(DType::I32, 1, 1);
  s.h = be.alloc(DType::F32, 1, H);
  s.xn = be.alloc(DType::F32, 1, H);
  s.y = be.alloc(DType::F32, 1, N);
  return s;
}

TEST(CudaDevice, ACapturedGraphReplaysWithNewInputsWithoutAllocating) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  const Step graph_step = make_step(*be), eager_step = make_step(*be);
  auto graph = be->capture([&] { graph_step.record(*be); });
  const size_t allocated = be->allocated_bytes();
  for (int32_t i = 0; i < 50; ++i) {
    const int32_t id = (i * 7) % 50;
    be->upload(graph_step.ids, &id);
    graph->replay();
    be->upload(eager_step.ids, &id);
    eager_step.record(*be);
    EXPECT_EQ(fetch(*be, graph_step.h), fetch(*be, eager_step.h)) << "replay " << i;
    EXPECT_EQ(fetch(*be, graph_step.y), fetch(*be, eager_step.y)) << "replay " << i;
  }
  EXPECT_EQ(be->allocated_bytes(), allocated);
  // a capture that fails leaves the backend usable
  EXPECT_THROW(be->capture([&] { be->alloc(DType::F32, 1, 1); }), Error);
  EXPECT_NO_THROW(be->synchronize());
}

// A captured prefill GEMM (T >= 2) runs through the backend's scratch buffers; a later,
// larger GEMM grows them. The graph must keep the ones it recorded: replaying into freed
// memory would overwrite whatever the allocator has since put there.
TEST(CudaDevice, AGraphKeepsTheGemmScratchItRecordedWhenTheScratchGrows) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  const int64_t K = 256, N = 64, T = 4, big_T = 256;
  const Tensor w = make(*be, DType::BF16, N, K, to_bf16(uniform(N * K, -0.5, 0.5, 51)).data());
  const Tensor x = make(*be, DType::F32, T, K, uniform(T * K, -1, 1, 52).data());
  const Tensor out_g = be->alloc(DType::F32, T, N), out_e = be->alloc(DType::F32, T, N);
  be->matmul(x, w, nullptr, out_e);  // allocates the scratch for T rows
  auto graph = be->capture([&] { be->matmul(x, w, nullptr, out_g); });
  const Tensor big_x = make(*be, DType::F32, big_T, K, uniform(big_T * K, -1, 1, 53).data());
  const Tensor big_out = be->alloc(DType::F32, big_T, N);
  be->matmul(big_x, w, nullptr, big_out);  // grows every scratch buffer
  // new allocations of the old scratch sizes (split activations 2T x K BF16, products 2T x N
  // F32, row scales T F32), likely to reuse the memory freed by the growth
  std::vector<Tensor> others;
  std::vector<std::vector<float>> contents;
  for (int64_t floats : {T * K, 2 * T * N, T, int64_t(64)})
    for (int i = 0; i < 4; ++i) {
      contents.push_back(uniform(size_t(floats), -1, 1, unsigned(60 + i)));
      others.push_back(make(*be, DType::F32, 1, floats, contents.back().data()));
    }
  for (int i = 0; i < 3; ++i) {
    const auto xv = uniform(T * K, -1, 1, unsigned(70 + i));
    be->upload(x, xv.data());
    graph->replay();
    be->matmul(x, w, nullptr, out_e);
    EXPECT_LT(rel_diff(fetch(*be, out_g), fetch(*be, out_e)), 1e-6) << "replay " << i;
  }
  for (size_t i = 0; i < others.size(); ++i)
    EXPECT_EQ(fetch(*be, others[i]), contents[i]) << "tensor " << i << " was overwritten";
  graph.reset();
  EXPECT_NO_THROW(be->synchronize());
}

// Many dependent kernels back to back (programmatic dependent launch lets each start before
// the previous ends): the results must be bit-identical to plain launches.
std::vector<float> chain(Backend& be) {
  const int64_t T = 5, H = 256, D = 512, N = 16, K = 4;
  const auto hv = uniform(T * H, -1, 1, 21);
  const auto w_in = to_bf16(uniform(2 * D * H, -0.1f, 0.1f, 22));
  const auto w_out = to_bf16(uniform(H * D, -0.1f, 0.1f, 23));
  const auto cw = uniform(D * K, -0.5, 0.5, 24);
  const auto bias = uniform(D, -0.1f, 0.1f, 25);
  std::vector<float> a(D * N);
  for (int64_t d = 0; d < D; ++d)
    for (int64_t n = 0; n < N; ++n) a[d * N + n] = -float(n + 1) * 0.3f;
  const auto ones = std::vector<float>(std::max(D, H), 1.0f);
  Tensor h = make(be, DType::F32, T, H, hv.data());
  Tensor in = make(be, DType::BF16, 2 * D, H, w_in.data());
  Tensor out = make(be, DType::BF16, H, D, w_out.data());
  Tensor conv_w = make(be, DType::F32, D, K, cw.data());
  Tensor conv_b = make(be, DType::F32, 1, D, bias.data());
  Tensor A = make(be, DType::F32, D, N, a.data());
  Tensor Ds = make(be, DType::F32, 1, D, ones.data());
  Tensor norm = make(be, DType::F32, 1, H, ones.data());
  Tensor conv_state = be.alloc(DType::F32, K - 1, D), ssm = be.alloc(DType::F32, D, N);
  Tensor xn = be.alloc(DType::F32, T, H), xz = be.alloc(DType::F32, T, 2 * D);
  Tensor xc = be.alloc(DType::F32, T, D), y = be.alloc(DType::F32, T, D);
  Tensor o = be.alloc(DType::F32, T, H);
  for (int layer = 0; layer < 24; ++layer) {
    const int64_t rows = layer % 2 ? 1 : T;  // GEMV and GEMM steps
    auto r = [rows](const Tensor& t) { return t.rows_view(0, rows); };
    be.rms_norm(r(h), &norm, 1e-5f, r(xn));
    be.matmul(r(xn), in, nullptr, r(xz));
    be.conv1d_silu(r(xz).cols_view(0, D), conv_w, &conv_b, conv_state, r(xc));
    ScanArgs s;
    s.x = r(xc);
    s.dt = r(xc);
    s.dt_bias = conv_b;
    s.A = A;
    s.B = r(xz).cols_view(D, N);
    s.C = r(xz).cols_view(D + N, N);
    s.Dskip = Ds;
    s.z = r(xz).cols_view(D, D);
    s.state = ssm;
    s.out = r(y);
    be.selective_scan(s);
    be.matmul(r(y), out, nullptr, r(o));
    be.add(r(h), r(o));
  }
  auto result = fetch(be, h);
  const auto st = fetch(be, ssm);
  result.insert(result.end(), st.begin(), st.end());
  return result;
}

TEST(CudaDevice, OverlappedLaunchesGiveTheSameBitsAsPlainLaunches) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  std::vector<float> plain;
  {
    BackendOptions off = test::backend_options();
    off.cuda_pdl = false;
    auto be_plain = create_backend("cuda", off);
    plain = chain(*be_plain);
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(chain(*be), plain) << "run " << i;
  // and both agree with the reference within the conformance tolerance
  auto ref = create_cpu_reference_backend();
  EXPECT_LT(rel_diff(plain, chain(*ref)), 1e-3);
}

TEST(CudaDevice, MatmulAtModelScaleAndAcrossGemmTiles) {
  REQUIRE_GPU();
  BackendOptions small_scratch = test::backend_options();
  small_scratch.cuda_gemm_scratch_bytes = size_t(1) << 20;  // forces tiling of N
  auto be = create_backend("cuda", small_scratch);
  auto ref = create_cpu_reference_backend();
  struct Shape {
    int64_t T, K, N;
  };
  for (DType dt : {DType::BF16, DType::F16, DType::F32})
    for (Shape s : {Shape{1, 8192, 288}, Shape{1, 4096, 1030}, Shape{1, 256, 2048},
                    Shape{64, 512, 3000}, Shape{7, 8192, 100}}) {
      const auto xv = uniform(s.T * s.K, -3, 3, 31);
      const auto wf = uniform(s.N * s.K, -0.5, 0.5, 32);
      std::vector<uint8_t> wb(wf.size() * dtype_size(dt));
      for (size_t i = 0; i < wf.size(); ++i) {
        if (dt == DType::F32)
          std::memcpy(&wb[i * 4], &wf[i], 4);
        else {
          const uint16_t h = dt == DType::BF16 ? f32_to_bf16(wf[i]) : f32_to_f16(wf[i]);
          std::memcpy(&wb[i * 2], &h, 2);
        }
      }
      const auto bv = uniform(s.N, -1, 1, 33);
      std::vector<float> outs[2];
      Backend* bes[2] = {be.get(), ref.get()};
      for (int i = 0; i < 2; ++i) {
        Backend& b = *bes[i];
        Tensor x = make(b, DType::F32, s.T, s.K, xv.data());
        Tensor w = make(b, dt, s.N, s.K, wb.data());
        Tensor bias = make(b, DType::F32, 1, s.N, bv.data());
        Tensor out = b.alloc(DType::F32, s.T, s.N + 3);
        b.matmul(x, w, &bias, out.cols_view(3, s.N));
        outs[i] = fetch(b, out);
      }
      EXPECT_LT(rel_diff(outs[0], outs[1]), 1e-4)
          << dtype_name(dt) << " T=" << s.T << " K=" << s.K << " N=" << s.N;
    }
}

// Block-type weights at model scale: the GEMV (1 token; norm_matmul and matmul_add too) and
// the prefill GEMM through tiles of dequantized rows (a 1 MiB scratch: many tiles), exact F32
// tiles by default and BF16 ones with cuda_split_gemm off (COIL_CUDA_GEMM=single); the
// embedding gather exactly.
TEST(CudaDevice, BlockTypeWeightsAtModelScaleAndAcrossScratchTiles) {
  REQUIRE_GPU();
  auto ref = create_cpu_reference_backend();
  struct Shape {
    int64_t T, K, N;
  };
  for (const char* mode : {"split", "single"}) {
    BackendOptions o = test::backend_options();
    o.cuda_gemm_scratch_bytes = size_t(1) << 20;  // many tiles
    o.cuda_split_gemm = std::string(mode) == "split";
    auto be = create_backend("cuda", o);
    const double tol = std::string(mode) == "single" ? 2e-2 : 1e-4;
    for (DType dt : kQuantDTypes)
      for (Shape s :
           {Shape{1, 8192, 288}, Shape{1, 4096, 1030}, Shape{64, 4096, 300}, Shape{7, 8192, 100}}) {
        const auto xv = uniform(s.T * s.K, -3, 3, 41);
        const auto wf = uniform(s.N * s.K, -0.5, 0.5, 42);
        std::vector<uint8_t> wb(dtype_tensor_bytes(dt, s.N, s.K));
        quantize_row(dt, wf.data(), wb.data(), s.N * s.K);
        const auto bv = uniform(s.N, -1, 1, 43);
        const auto gv = uniform(s.K, 0.5, 1.5, 44);
        std::vector<float> outs[2][3];
        Backend* bes[2] = {be.get(), ref.get()};
        for (int i = 0; i < 2; ++i) {
          Backend& b = *bes[i];
          Tensor x = make(b, DType::F32, s.T, s.K, xv.data());
          Tensor w = make(b, dt, s.N, s.K, wb.data());
          Tensor bias = make(b, DType::F32, 1, s.N, bv.data());
          Tensor g = make(b, DType::F32, 1, s.K, gv.data());
          Tensor out = b.alloc(DType::F32, s.T, s.N + 3);
          b.matmul(x, w, &bias, out.cols_view(3, s.N));
          outs[i][0] = fetch(b, out);
          if (s.T > 4) continue;
          b.norm_matmul(x, g, 1e-5f, w, nullptr, out.cols_view(3, s.N));
          outs[i][1] = fetch(b, out);
          b.matmul_add(x, w, &bias, out.cols_view(3, s.N));
          outs[i][2] = fetch(b, out);
        }
        const std::string what = std::string(mode) + " " + dtype_name(dt) +
                                 " T=" + std::to_string(s.T) + " K=" + std::to_string(s.K) +
                                 " N=" + std::to_string(s.N);
        // a single token never goes through the GEMM: its bound is the GEMV's
        EXPECT_LT(rel_diff(outs[0][0], outs[1][0]), s.T == 1 ? 1e-4 : tol) << "matmul " << what;
        if (s.T > 4) continue;
        EXPECT_LT(rel_diff(outs[0][1], outs[1][1]), 1e-4) << "norm_matmul " << what;
        EXPECT_LT(rel_diff(outs[0][2], outs[1][2]), 1e-4) << "matmul_add " << what;
      }
    if (std::string(mode) != "split") continue;
    for (DType dt : kQuantDTypes) {  // an embedding table of 1000 x 4096, gathered exactly
      const auto wf = uniform(1000 * 4096, -2, 2, 45);
      std::vector<uint8_t> wb(dtype_tensor_bytes(dt, 1000, 4096));
      quantize_row(dt, wf.data(), wb.data(), 1000 * 4096);
      const std::vector<int32_t> ids{999, 0, 517, 517, 3};
      std::vector<float> got[2];
      Backend* bes[2] = {be.get(), ref.get()};
      for (int i = 0; i < 2; ++i) {
        Tensor t = make(*bes[i], dt, 1000, 4096, wb.data());
        Tensor id = make(*bes[i], DType::I32, 1, 5, ids.data());
        Tensor out = bes[i]->alloc(DType::F32, 5, 4096);
        bes[i]->get_rows(t, id, out);
        got[i] = fetch(*bes[i], out);
      }
      EXPECT_EQ(got[0], got[1]) << dtype_name(dt);
    }
  }
}

TEST(CudaDevice, ConvAndScanOverLongChunksMatchTheReference) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  auto ref = create_cpu_reference_backend();
  const int64_t T = 300, D = 1000, N = 16, K = 4;
  const auto xz = uniform(T * 2 * D, -1, 1, 41), w = uniform(D * K, -1, 1, 42);
  const auto b = uniform(D, -1, 1, 43), st = uniform((K - 1) * D, -1, 1, 44);
  const auto dt = uniform(T * D, -4, 2, 45), dtb = uniform(D, -1, 1, 46);
  const auto bc = uniform(T * 2 * N, -1, 1, 47), ds = uniform(D, -1, 1, 48);
  const auto ss = uniform(D * N, -0.5, 0.5, 49);
  std::vector<float> a(D * N);
  for (int64_t d = 0; d < D; ++d)
    for (int64_t n = 0; n < N; ++n) a[d * N + n] = -float(n + 1) * (0.5f + 0.001f * d);
  std::vector<float> res[2][4];
  Backend* bes[2] = {be.get(), ref.get()};
  for (int i = 0; i < 2; ++i) {
    Backend& B = *bes[i];
    Tensor txz = make(B, DType::F32, T, 2 * D, xz.data());
    Tensor tw = make(B, DType::F32, D, K, w.data()), tb = make(B, DType::F32, 1, D, b.data());
    Tensor tst = make(B, DType::F32, K - 1, D, st.data());
    Tensor xc = B.alloc(DType::F32, T, D), y = B.alloc(DType::F32, T, D);
    // two chunks, the state carried between them
    for (auto [t0, n] : {std::pair<int64_t, int64_t>{0, 170}, {170, 130}})
      B.conv1d_silu(txz.cols_view(0, D).rows_view(t0, n), tw, &tb, tst, xc.rows_view(t0, n));
    Tensor tdt = make(B, DType::F32, T, D, dt.data()), tdtb = make(B, DType::F32, 1, D, dtb.data());
    Tensor tA = make(B, DType::F32, D, N, a.data()), tbc = make(B, DType::F32, T, 2 * N, bc.data());
    Tensor tds = make(B, DType::F32, 1, D, ds.data()), tss = make(B, DType::F32, D, N, ss.data());
    for (auto [t0, n] : {std::pair<int64_t, int64_t>{0, 1}, {1, 200}, {201, 99}}) {
      ScanArgs s;
      s.x = xc.rows_view(t0, n);
      s.dt = tdt.rows_view(t0, n);
      s.dt_bias = tdtb;
      s.A = tA;
      s.B = tbc.cols_view(0, N).rows_view(t0, n);
      s.C = tbc.cols_view(N, N).rows_view(t0, n);
      s.Dskip = tds;
      s.z = txz.cols_view(D, D).rows_view(t0, n);
      s.state = tss;
      s.out = y.rows_view(t0, n);
      B.selective_scan(s);
    }
    res[i][0] = fetch(B, xc);
    res[i][1] = fetch(B, tst);
    res[i][2] = fetch(B, y);
    res[i][3] = fetch(B, tss);
  }
  EXPECT_LT(rel_diff(res[0][0], res[1][0]), 1e-5) << "conv out";
  EXPECT_LT(rel_diff(res[0][1], res[1][1]), 1e-5) << "conv state";
  EXPECT_LT(rel_diff(res[0][2], res[1][2]), 1e-4) << "scan out";
  EXPECT_LT(rel_diff(res[0][3], res[1][3]), 1e-4) << "scan state";
}

TEST(CudaDevice, MeasuresAPlausibleReadBandwidth) {
  REQUIRE_GPU();
  auto be = create_backend("cuda", test::backend_options());
  const size_t before = be->allocated_bytes();
  const double gbps = be->measure_read_bandwidth_gbps();
  EXPECT_GT(gbps, 50.0);
  EXPECT_LT(gbps, 50000.0);
  EXPECT_EQ(be->allocated_bytes(), before);
  RecordProperty("read_bandwidth_gbps", std::to_string(gbps));
}

}  // namespace
}  // namespace coil
