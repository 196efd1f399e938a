// Vulkan-specific behaviour (the ops themselves are in test_backend_ops.cpp and the whole
// model in test_model_parity.cpp): device listing and choice, the refusals a person sees,
// large tensors split across bindings, the shared-memory fallbacks, buffer lifetime, and
// a state moving between the CPU and Vulkan backends. Runs on Mesa's lavapipe in CI.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_ref_backend.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/quants.hpp"
#include "coil/session.hpp"
#include "golden.hpp"
#include "paths.hpp"

#ifdef COIL_HAVE_VULKAN
#include "coil/vulkan_backend.hpp"
#include "options.hpp"
#endif

// Every operator new of this executable is counted while g_counting is set.
namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// These replace the global allocation functions: GCC 12 takes free() of what the replaced
// operator new returned for a mismatch (-Wmismatched-new-delete) where it inlines them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace coil {
namespace {

#ifdef COIL_HAVE_VULKAN

std::unique_ptr<Backend> make_vulkan(BackendOptions o = test::backend_options()) {
  return create_backend("vulkan", o);
}

// Skips the test when this machine has no Vulkan device at all.
#define REQUIRE_VULKAN()                            \
  std::vector<std::string> devices;                 \
  try {                                             \
    devices = list_vulkan_devices();                \
  } catch (const Error& e) {                        \
    GTEST_SKIP() << "no Vulkan here: " << e.what(); \
  }                                                 \
  if (devices.empty()) GTEST_SKIP() << "no Vulkan device here";

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
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

Tensor upload_new(Backend& be, DType dt, int64_t rows, int64_t cols, const void* data) {
  Tensor t = be.alloc(dt, rows, cols);
  be.upload(t, data);
  return t;
}

std::vector<float> fetch(Backend& be, const Tensor& t) {
  std::vector<float> v(t.rows * t.cols);
  be.download(t, v.data());
  return v;
}

TEST(VulkanBackend, ListsDevicesWithTheirProperties) {
  REQUIRE_VULKAN();
  for (const auto& d : devices) {
    EXPECT_NE(d.find("subgroup"), std::string::npos) << d;
    EXPECT_NE(d.find("GiB"), std::string::npos) << d;
    EXPECT_NE(d.find("Vulkan 1."), std::string::npos) << d;
  }
  EXPECT_EQ(list_devices("vulkan"), devices);  // the generic entry point says the same
  // the numbers behind the text: memory in bytes, and CPU implementations are no GPU
  const auto described = describe_devices("vulkan");
  ASSERT_EQ(described.size(), devices.size());
  for (size_t i = 0; i < described.size(); ++i) {
    const DeviceDescription& d = described[i];
    EXPECT_EQ(d.text, devices[i]);
    EXPECT_GT(d.memory_bytes, size_t(0)) << d.text;
    const bool software = d.text.find("CPU") != std::string::npos;
    const bool unusable = d.text.find("unusable") != std::string::npos;
    EXPECT_EQ(d.hardware_gpu, !software && !unusable) << d.text;
  }
}

TEST(VulkanBackend, RefusesCpuImplementationsWhenAskedTo) {
  REQUIRE_VULKAN();
  bool any_cpu = false;
  for (size_t i = 0; i < devices.size(); ++i) {
    if (devices[i].find("CPU") == std::string::npos) continue;
    any_cpu = true;
    BackendOptions o = test::backend_options();
    o.device = static_cast<int>(i);
    o.allow_cpu_device = false;
    try {
      make_vulkan(o);
      ADD_FAILURE() << "a CPU device was accepted with allow_cpu_device = false: " << devices[i];
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("Vulkan: "), std::string::npos) << msg;
      EXPECT_NE(msg.find("not a GPU"), std::string::npos) << msg;
    }
    o.allow_cpu_device = true;
    EXPECT_NO_THROW(make_vulkan(o));
  }
  if (!any_cpu) GTEST_SKIP() << "no CPU Vulkan implementation here";
}

TEST(VulkanBackend, InvalidDeviceIndexIsAClearError) {
  REQUIRE_VULKAN();
  BackendOptions o = test::backend_options();
  o.device = 99;
  try {
    make_vulkan(o);
    FAIL() << "device 99 was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no device 99"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(devices.size()) + " Vulkan device"), std::string::npos)
        << msg;
  }
}

TEST(VulkanBackend, AbsurdAllocationIsAClearErrorAndTheBackendGoesOn) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  try {
    be->alloc(DType::F32, int64_t(1) << 21, int64_t(1) << 20);  // 8 TiB
    FAIL() << "an 8 TiB allocation succeeded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("out of device memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find(be->info().device), std::string::npos) << msg;
  }
  const std::vector<float> v{1, 2, 3, 4, 5, 6};
  Tensor t = upload_new(*be, DType::F32, 2, 3, v.data());
  EXPECT_EQ(fetch(*be, t), v);
}

TEST(VulkanBackend, ValidationLayerIsActiveWhenRequested) {
  REQUIRE_VULKAN();
  BackendOptions o = test::backend_options();
  o.vulkan_validation = true;
  auto be = make_vulkan(o);
  EXPECT_TRUE(vulkan_validation_active(*be));
  o.vulkan_validation = false;
  EXPECT_FALSE(vulkan_validation_active(*make_vulkan(o)));
}

TEST(VulkanBackend, CountsDeviceMemory) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  const size_t before = be->allocated_bytes();
  {
    Tensor t = be->alloc(DType::F32, 1000, 1000);
    EXPECT_GE(be->allocated_bytes(), before + 4000000);
    EXPECT_GE(be->peak_allocated_bytes(), be->allocated_bytes());
  }
  EXPECT_EQ(be->allocated_bytes(), before);
  EXPECT_GE(be->peak_allocated_bytes(), before + 4000000);
}

TEST(VulkanBackend, TensorsDroppedWithWorkInFlightAreReleasedSafely) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  const auto v = random_vec(64 * 64, 1);
  Tensor keep = upload_new(*be, DType::F32, 64, 64, v.data());
  for (int i = 0; i < 20; ++i) {
    Tensor tmp = upload_new(*be, DType::F32, 64, 64, v.data());
    be->add(keep, tmp);  // enqueued; tmp dies before it runs
  }
  const auto out = fetch(*be, keep);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_FLOAT_EQ(out[i], 21 * v[i]);
}

// The same with a recorded graph replayed with nothing recorded before it (no upload): its
// submission alone must keep the buffers it uses alive until it is done. On a GPU the
// replay is still running when `tmp` goes; the validation layer sees it on lavapipe too.
TEST(VulkanBackend, TensorsDroppedWhileAReplayedGraphRunsAreReleasedSafely) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  const auto v = random_vec(64 * 64, 2);
  Tensor keep = upload_new(*be, DType::F32, 64, 64, v.data());
  Tensor tmp = upload_new(*be, DType::F32, 64, 64, v.data());
  auto graph = be->capture([&] { be->add(keep, tmp); });
  be->synchronize();  // nothing of ours in flight or being recorded
  graph->replay();
  tmp = Tensor();     // dropped (by other code, say) while the replay may still run
  be->synchronize();  // reports a buffer destroyed while in use (with validation)
  graph.reset();
  const auto out = fetch(*be, keep);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_FLOAT_EQ(out[i], 2 * v[i]);
}

// Tensors larger than one storage-buffer binding (lavapipe binds at most 128 MiB) are
// processed window by window.
TEST(VulkanBackend, TablesLargerThanOneBindingAreSplit) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  const int64_t V = 34000, H = 1024;  // 139 MB of F32
  const auto table = random_vec(V * H, 2);
  Tensor t = upload_new(*be, DType::F32, V, H, table.data());

  const std::vector<int32_t> ids{0, 33999, 17000, 32800, 5};
  Tensor id = upload_new(*be, DType::I32, 1, ids.size(), ids.data());
  Tensor rows = be->alloc(DType::F32, ids.size(), H);
  be->get_rows(t, id, rows);
  const auto got = fetch(*be, rows);
  for (size_t r = 0; r < ids.size(); ++r)
    for (int64_t c = 0; c < H; ++c)
      ASSERT_EQ(got[r * H + c], table[ids[r] * H + c]) << "id " << ids[r] << " col " << c;

  const auto xv = random_vec(H, 3);
  Tensor x = upload_new(*be, DType::F32, 1, H, xv.data());
  Tensor out = be->alloc(DType::F32, 1, V);
  be->matmul(x, t, nullptr, out);
  const auto y = fetch(*be, out);
  std::vector<float> ref(V);
  for (int64_t n = 0; n < V; ++n) {
    double acc = 0;
    for (int64_t k = 0; k < H; ++k) acc += double(xv[k]) * table[n * H + k];
    ref[n] = static_cast<float>(acc);
  }
  EXPECT_LT(rel_diff(y, ref), 1e-5);
}

// A block-type table (Q8_0 blocks: 34 bytes, so the windows start mid-word in general)
// larger than one binding: gathered and multiplied window by window.
TEST(VulkanBackend, BlockTypeTablesLargerThanOneBindingAreSplit) {
  REQUIRE_VULKAN();
  auto be = make_vulkan();
  const int64_t V = 33000, H = 4096;  // 144 MB of Q8_0
  const int64_t nb = H / 32, row_bytes = nb * 34;
  if (be->info().device.find("llvmpipe") == std::string::npos)
    GTEST_SKIP() << "sized for lavapipe's 128 MiB bindings";
  // random codes with small scales (quantizing 135M floats would take a while)
  std::vector<uint8_t> table(static_cast<size_t>(V * row_bytes));
  std::mt19937 g(7);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<uint8_t>(g());
  for (int64_t b = 0; b < V * nb; ++b) {
    const uint16_t d = f32_to_f16(std::ldexp(1.0f + float(b % 7) / 8, -10));
    std::memcpy(&table[static_cast<size_t>(b) * 34], &d, 2);
  }
  Tensor t = upload_new(*be, DType::Q8_0, V, H, table.data());
  auto row = [&](int64_t r) {
    std::vector<float> v(H);
    dequantize_row(DType::Q8_0, table.data() + r * row_bytes, v.data(), H);
    return v;
  };
  const std::vector<int32_t> ids{0, 32999, 17000, 31000, 5};
  Tensor id = upload_new(*be, DType::I32, 1, ids.size(), ids.data());
  Tensor rows = be->alloc(DType::F32, ids.size(), H);
  be->get_rows(t, id, rows);
  const auto got = fetch(*be, rows);
  for (size_t r = 0; r < ids.size(); ++r) {
    const auto want = row(ids[r]);
    for (int64_t c = 0; c < H; ++c)
      ASSERT_EQ(got[r * H + c], want[c]) << "id " << ids[r] << " col " << c;
  }
  const auto xv = random_vec(H, 3);
  Tensor x = upload_new(*be, DType::F32, 1, H, xv.data());
  Tensor out = be->alloc(DType::F32, 1, V);
  be->matmul(x, t, nullptr, out);
  const auto y = fetch(*be, out);
  std::vector<float> ref(V);
  for (int64_t n = 0; n < V; ++n) {
    const auto w = row(n);
    double acc = 0;
    for (int64_t k = 0; k < H; ++k) acc += double(xv[k]) * w[k];
    ref[n] = static_cast<float>(acc);
  }
  EXPECT_LT(rel_diff(y, ref), 1e-5);
}

// The shared-memory reductions used where a device has no subgroup operations.
TEST(VulkanBackend, FallbacksWithoutSubgroupsMatchTheReference) {
  REQUIRE_VULKAN();
  BackendOptions o = test::backend_options();
  o.vulkan_subgroups = false;
  std::unique_ptr<Backend> be = make_vulkan(o);
  EXPECT_FALSE(vulkan_uses_subgroups(*be));
  auto ref = create_cpu_reference_backend();
  auto both = [&](DType dt, int64_t r, int64_t c, const std::vector<float>& v) {
    std::vector<uint8_t> data(dtype_tensor_bytes(dt, r, c));  // rounded or quantized
    quantize_row(dt, v.data(), data.data(), r * c);
    return std::pair{upload_new(*ref, dt, r, c, data.data()),
                     upload_new(*be, dt, r, c, data.data())};
  };
  // GEMV (decode) with BF16 weights and bias, 1 and 3 tokens
  for (int64_t T : {1, 3}) {
    const int64_t K = 512, N = 77;
    auto [xr, xd] = both(DType::F32, T, K, random_vec(T * K, 4));
    auto [wr, wd] = both(DType::BF16, N, K, random_vec(N * K, 5, -0.5f, 0.5f));
    auto [br, bd] = both(DType::F32, 1, N, random_vec(N, 6));
    auto [or_, od] = both(DType::F32, T, N, std::vector<float>(T * N));
    ref->matmul(xr, wr, &br, or_);
    be->matmul(xd, wd, &bd, od);
    EXPECT_LT(rel_diff(fetch(*be, od), fetch(*ref, or_)), 1e-4) << "T=" << T;
  }
  // RMS norm
  {
    auto [xr, xd] = both(DType::F32, 3, 1000, random_vec(3000, 7, -3, 3));
    auto [wr, wd] = both(DType::F32, 1, 1000, random_vec(1000, 8, 0.5f, 1.5f));
    ref->rms_norm(xr, &wr, 1e-5f, xr);
    be->rms_norm(xd, &wd, 1e-5f, xd);
    EXPECT_LT(rel_diff(fetch(*be, xd), fetch(*ref, xr)), 1e-5);
  }
  // selective scan
  {
    const int64_t T = 9, D = 40, N = 16;
    std::vector<float> a(D * N);
    for (int64_t i = 0; i < D * N; ++i) a[i] = -float(i % N + 1) * 0.7f;
    std::pair<Tensor, Tensor> p[10] = {both(DType::F32, T, D, random_vec(T * D, 9)),
                                       both(DType::F32, T, D, random_vec(T * D, 10, -4, 2)),
                                       both(DType::F32, 1, D, random_vec(D, 11)),
                                       both(DType::F32, D, N, a),
                                       both(DType::F32, T, N, random_vec(T * N, 12)),
                                       both(DType::F32, T, N, random_vec(T * N, 13)),
                                       both(DType::F32, 1, D, random_vec(D, 14)),
                                       both(DType::F32, T, D, random_vec(T * D, 15)),
                                       both(DType::F32, D, N, random_vec(D * N, 16)),
                                       both(DType::F32, T, D, std::vector<float>(T * D))};
    auto args = [&](bool dev) {
      auto pick = [&](int i) { return dev ? p[i].second : p[i].first; };
      ScanArgs s;
      s.x = pick(0), s.dt = pick(1), s.dt_bias = pick(2), s.A = pick(3), s.B = pick(4);
      s.C = pick(5), s.Dskip = pick(6), s.z = pick(7), s.state = pick(8), s.out = pick(9);
      return s;
    };
    ref->selective_scan(args(false));
    be->selective_scan(args(true));
    EXPECT_LT(rel_diff(fetch(*be, p[9].second), fetch(*ref, p[9].first)), 1e-4);
    EXPECT_LT(rel_diff(fetch(*be, p[8].second), fetch(*ref, p[8].first)), 1e-4);
  }
  // the fused decode ops (their lane sums fall back to shared memory too)
  {
    const int64_t K = 520, N = 77;
    auto [xr, xd] = both(DType::F32, 1, K, random_vec(K, 17, -3, 3));
    auto [gr, gd] = both(DType::F32, 1, K, random_vec(K, 18, 0.5f, 1.5f));
    auto [wr, wd] = both(DType::BF16, N, K, random_vec(N * K, 19, -0.5f, 0.5f));
    auto [or_, od] = both(DType::F32, 1, N, random_vec(N, 20));
    ref->norm_matmul(xr, gr, 1e-5f, wr, nullptr, or_);
    be->norm_matmul(xd, gd, 1e-5f, wd, nullptr, od);
    EXPECT_LT(rel_diff(fetch(*be, od), fetch(*ref, or_)), 1e-4) << "norm_matmul";
    auto [w2r, w2d] = both(DType::BF16, K, N, random_vec(N * K, 21, -0.5f, 0.5f));
    ref->matmul_add(or_, w2r, nullptr, xr);
    be->matmul_add(od, w2d, nullptr, xd);
    EXPECT_LT(rel_diff(fetch(*be, xd), fetch(*ref, xr)), 1e-4) << "matmul_add";
  }
  {
    const int64_t T = 3, D = 40, N = 16, R = 24;
    std::vector<float> a(D * N);
    for (int64_t i = 0; i < D * N; ++i) a[i] = -float(i % N + 1) * 0.7f;
    std::pair<Tensor, Tensor> p[10] = {
        both(DType::F32, T, D, random_vec(T * D, 22)),
        both(DType::F32, T, R + 2 * N, random_vec(T * (R + 2 * N), 23, -2, 2)),
        both(DType::BF16, D, R, random_vec(D * R, 24, -0.5f, 0.5f)),
        both(DType::F32, 1, D, random_vec(D, 25)),
        both(DType::F32, D, N, a),
        both(DType::F32, 1, D, random_vec(D, 26)),
        both(DType::F32, T, D, random_vec(T * D, 27)),
        both(DType::F32, D, N, random_vec(D * N, 28)),
        both(DType::F32, T, D, std::vector<float>(T * D)),
        {}};
    auto args = [&](bool dev) {
      auto pick = [&](int i) { return dev ? p[i].second : p[i].first; };
      ProjScanArgs s;
      s.scan.x = pick(0), s.dt_low = pick(1).cols_view(0, R), s.dt_proj = pick(2);
      s.scan.dt_bias = pick(3), s.scan.A = pick(4), s.scan.B = pick(1).cols_view(R, N);
      s.scan.C = pick(1).cols_view(R + N, N), s.scan.Dskip = pick(5), s.scan.z = pick(6);
      s.scan.state = pick(7), s.scan.out = pick(8), s.norm_dt_bc = true, s.norm_eps = 1e-6f;
      return s;
    };
    ASSERT_TRUE(be->supports(Op::ProjScan, DType::BF16));
    ref->proj_scan(args(false));
    be->proj_scan(args(true));
    EXPECT_LT(rel_diff(fetch(*be, p[8].second), fetch(*ref, p[8].first)), 1e-4) << "proj_scan";
    EXPECT_LT(rel_diff(fetch(*be, p[7].second), fetch(*ref, p[7].first)), 1e-4) << "its state";
  }
  // block-type weights: the GEMV's segments of 2 to 128 lanes, norm_matmul, matmul_add and
  // proj_scan (whose dt_proj units are split between its 4 lanes by shared memory)
  for (DType dt : {DType::Q4_0, DType::Q5_1, DType::Q4_K, DType::Q6_K}) {
    const std::string name = dtype_name(dt);
    for (auto [T, K] : {std::pair<int64_t, int64_t>{1, 256}, {3, 4096}}) {
      const int64_t N = 45;
      auto [xr, xd] = both(DType::F32, T, K, random_vec(T * K, 30, -3, 3));
      auto [gr, gd] = both(DType::F32, 1, K, random_vec(K, 31, 0.5f, 1.5f));
      auto [wr, wd] = both(dt, N, K, random_vec(N * K, 32, -0.5f, 0.5f));
      auto [or_, od] = both(DType::F32, T, N, random_vec(T * N, 33));
      ref->matmul_add(xr, wr, nullptr, or_);
      be->matmul_add(xd, wd, nullptr, od);
      EXPECT_LT(rel_diff(fetch(*be, od), fetch(*ref, or_)), 1e-4) << name << " matmul_add K=" << K;
      ref->norm_matmul(xr, gr, 1e-5f, wr, nullptr, or_);
      be->norm_matmul(xd, gd, 1e-5f, wd, nullptr, od);
      EXPECT_LT(rel_diff(fetch(*be, od), fetch(*ref, or_)), 1e-4) << name << " norm_matmul K=" << K;
    }
    const int64_t T = 2, D = 40, N = 16, R = 256;
    std::vector<float> a(D * N);
    for (int64_t i = 0; i < D * N; ++i) a[i] = -float(i % N + 1) * 0.7f;
    std::pair<Tensor, Tensor> p[9] = {
        both(DType::F32, T, D, random_vec(T * D, 34)),
        both(DType::F32, T, R + 2 * N, random_vec(T * (R + 2 * N), 35, -2, 2)),
        both(dt, D, R, random_vec(D * R, 36, -0.5f, 0.5f)),
        both(DType::F32, 1, D, random_vec(D, 37)),
        both(DType::F32, D, N, a),
        both(DType::F32, 1, D, random_vec(D, 38)),
        both(DType::F32, T, D, random_vec(T * D, 39)),
        both(DType::F32, D, N, random_vec(D * N, 40)),
        both(DType::F32, T, D, std::vector<float>(T * D))};
    auto args = [&](bool dev) {
      auto pick = [&](int i) { return dev ? p[i].second : p[i].first; };
      ProjScanArgs s;
      s.scan.x = pick(0), s.dt_low = pick(1).cols_view(0, R), s.dt_proj = pick(2);
      s.scan.dt_bias = pick(3), s.scan.A = pick(4), s.scan.B = pick(1).cols_view(R, N);
      s.scan.C = pick(1).cols_view(R + N, N), s.scan.Dskip = pick(5), s.scan.z = pick(6);
      s.scan.state = pick(7), s.scan.out = pick(8), s.norm_dt_bc = true, s.norm_eps = 1e-6f;
      return s;
    };
    ref->proj_scan(args(false));
    be->proj_scan(args(true));
    EXPECT_LT(rel_diff(fetch(*be, p[8].second), fetch(*ref, p[8].first)), 1e-4)
        << name << " proj_scan";
  }
}

// A recurrent state is backend-independent: saved on the CPU, resumed on Vulkan.
TEST(VulkanBackend, StateSavedOnCpuResumesOnVulkan) {
  REQUIRE_VULKAN();
  const auto dir = test::model_dir("falcon-tiny-f32");
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " not found (tests/data is in the repo)";
  ModelOptions cpu_opts = test::options(), vk_opts = test::options();
  cpu_opts.backend = "cpu";
  vk_opts.backend = "vulkan";
  auto cpu = Model::open(dir, cpu_opts);
  auto gpu = Model::open(dir, vk_opts);
  const int64_t V = cpu->config().vocab_size;
  std::vector<int32_t> ids;
  for (int i = 0; i < 40; ++i) ids.push_back((i * 7 + 3) % static_cast<int32_t>(V));
  const std::span<const int32_t> head(ids.data(), 25), tail(ids.data() + 25, 15);

  std::vector<float> whole(ids.size() * V), split(tail.size() * V);
  Session(*cpu).eval(ids, whole.data(), true);
  Session first(*cpu);
  first.eval(head, nullptr);
  Session second(*gpu);
  second.restore_state(first.save_state());
  second.eval(tail, split.data(), true);
  const std::vector<float> ref(whole.begin() + 25 * V, whole.end());
  EXPECT_LT(rel_diff(split, ref), 1e-3);

  // and back: the state after a decode step on Vulkan continues on the CPU
  std::vector<float> on_vk(V), on_cpu(V);
  second.decode(5, on_vk.data());
  Session third(*cpu);
  third.restore_state(second.save_state());
  second.decode(9, on_vk.data());
  third.decode(9, on_cpu.data());
  EXPECT_LT(rel_diff(on_vk, on_cpu), 1e-3);
}

// Decoding replays the recorded step: no host allocation and no device allocation per
// token, and a chunked prefill reuses its tensors. (Without the validation layer, which
// allocates for its own bookkeeping on every submission.)
TEST(VulkanBackend, DecodeAndPrefillDoNotAllocate) {
  REQUIRE_VULKAN();
  const auto dir = test::model_dir("falcon-tiny-bf16");
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " not found (tests/data is in the repo)";
  // BF16 weights, and block-type weights (Q8_0; Q4_K with rows of 256) from GGUF files
  const auto gguf = test::test_data_dir() / "gguf";
  for (const auto& path :
       {dir, gguf / "falcon-tiny-f32.q8_0.gguf", gguf / "falcon-k256.q4_k.gguf"}) {
    SCOPED_TRACE(path.filename().string());
    ModelOptions o = test::options();
    o.backend = "vulkan";
    o.chunk_size = 64;
    o.backend_options.vulkan_validation = false;
    std::unique_ptr<Model> m = Model::open(path, o);
    Session s(*m);
    const int32_t V = static_cast<int32_t>(m->config().vocab_size);
    std::vector<float> logits(V);
    std::vector<int32_t> ids(300);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 31) % V);
    s.eval(ids, logits.data());  // first calls: pipelines and descriptor sets are made here
    s.decode(1, logits.data());
    const size_t device_bytes = m->backend().allocated_bytes();

    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 50; ++i) s.decode((i * 7) % V, logits.data());
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << "host allocations in 50 decode steps";

    g_allocations = 0;
    g_counting = true;
    s.eval(ids, logits.data());
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0) << "host allocations in a chunked prefill";
    EXPECT_EQ(m->backend().allocated_bytes(), device_bytes);
  }
}

#else

TEST(VulkanBackend, NotCompiledIn) {
  GTEST_SKIP() << "built without COIL_VULKAN";
}

#endif

}  // namespace
}  // namespace coil
