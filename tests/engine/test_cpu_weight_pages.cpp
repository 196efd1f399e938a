// The CPU backend's weight placement (BackendOptions::cpu_huge_pages): a weight matrix of
// 2 MiB or more is copied at load into 2 MiB-aligned anonymous memory advised for 2 MiB
// pages, and the kernels then read the copy (the source may go away); with the switch off,
// or below 2 MiB, the backend reads the source in place. The results are the same bits
// either way.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "coil/backend.hpp"
#include "coil/cpu_backend.hpp"
#include "coil/huge_pages.hpp"
#include "coil/mapped_file.hpp"
#include "coil/quants.hpp"
#include "coil/tensor_view.hpp"
#include "options.hpp"

namespace coil {
namespace {

constexpr int64_t K = 2048, T = 2;

struct Result {
  std::vector<float> before, after;  // y = x W^T, then again after the source was overwritten
};

// Uploads W [n, K] (BF16) from `src`, multiplies, overwrites `src` with zeros, multiplies
// again.
Result run(bool huge_pages, int64_t n, std::vector<uint16_t>& src, const std::vector<float>& x,
           std::string* pages) {
  BackendOptions o = test::backend_options();
  o.cpu_huge_pages = huge_pages;
  auto be = create_cpu_backend(o);
  TensorView v;
  v.name = "w";
  v.dtype = DType::BF16;
  v.shape = {n, K};
  v.data = src.data();
  v.nbytes = src.size() * sizeof(uint16_t);
  Tensor w = be->upload_weight(v, n, K);
  Tensor xt = be->alloc(DType::F32, T, K), y = be->alloc(DType::F32, T, n);
  be->upload(xt, x.data());
  Result r{std::vector<float>(T * n), std::vector<float>(T * n)};
  be->matmul(xt, w, nullptr, y);
  be->download(y, r.before.data());
  std::fill(src.begin(), src.end(), uint16_t{0});
  be->matmul(xt, w, nullptr, y);
  be->download(y, r.after.data());
  *pages = be->info().weight_pages;
  return r;
}

struct Inputs {
  std::vector<uint16_t> w;
  std::vector<float> x;
};

Inputs inputs(int64_t n) {
  std::mt19937 g(7);
  std::uniform_real_distribution<float> d(-1, 1);
  Inputs in;
  for (int64_t i = 0; i < n * K; ++i) in.w.push_back(f32_to_bf16(d(g)));
  for (int64_t i = 0; i < T * K; ++i) in.x.push_back(d(g));
  return in;
}

bool all_zero(const std::vector<float>& v) {
  for (float f : v)
    if (f != 0.f) return false;
  return true;
}

// 1024 x 2048 BF16 = 4 MiB: copied with the switch on, read in place with it off.
TEST(CpuWeightPages, LargeWeightsAreCopiedAndGiveTheSameBits) {
  const int64_t n = 1024;
  const Inputs in = inputs(n);
  std::string pages_on, pages_off;
  auto src_on = in.w, src_off = in.w;
  const Result on = run(true, n, src_on, in.x, &pages_on);
  const Result off = run(false, n, src_off, in.x, &pages_off);
  EXPECT_EQ(pages_on, "2 MiB pages");
  EXPECT_EQ(pages_off, "4 KiB pages");
  ASSERT_FALSE(all_zero(on.before));
  EXPECT_EQ(std::memcmp(on.before.data(), off.before.data(), on.before.size() * sizeof(float)), 0)
      << "the copy computes other bits than the weights in place";
  // the copy no longer depends on the source; the in-place weights do
  EXPECT_EQ(on.after, on.before);
  EXPECT_TRUE(all_zero(off.after));
}

// 256 x 2048 BF16 = 1 MiB stays in place even with the switch on (it would waste most of a
// 2 MiB page).
TEST(CpuWeightPages, SmallWeightsStayInPlace) {
  const int64_t n = 256;
  const Inputs in = inputs(n);
  std::string pages;
  auto src = in.w;
  const Result r = run(true, n, src, in.x, &pages);
  ASSERT_FALSE(all_zero(r.before));
  EXPECT_TRUE(all_zero(r.after));
}

// A weight in a file mapping (as the safetensors and GGUF loaders give them) is copied and
// the mapping's pages dropped from the process: the copy computes the same bits, and the
// mapping still reads the file's bytes (dropping must never lose data).
TEST(CpuWeightPages, FileMappedWeightsAreCopiedAndTheMappingStaysReadable) {
  const int64_t n = 1024;
  const Inputs in = inputs(n);
  const auto path = std::filesystem::temp_directory_path() /
                    ("coil_weight_pages_" + std::to_string(::getpid()) + ".bin");
  {
    std::ofstream f(path, std::ios::binary);
    f.write("xy", 2);  // the weight starts mid-page, as in a real file
    f.write(reinterpret_cast<const char*>(in.w.data()),
            static_cast<std::streamsize>(in.w.size() * sizeof(uint16_t)));
  }
  std::vector<float> got(T * n), want(T * n);
  {
    MappedFile map(path, "test weights ");
    std::vector<uint16_t> aligned(in.w);  // the in-place run's source
    std::string pages;
    want = run(false, n, aligned, in.x, &pages).before;

    BackendOptions o = test::backend_options();
    o.cpu_huge_pages = true;
    auto be = create_cpu_backend(o);
    TensorView v;
    v.name = "w";
    v.dtype = DType::BF16;
    v.shape = {n, K};
    v.data = map.data() + 2;
    v.nbytes = in.w.size() * sizeof(uint16_t);
    v.file_mapped = true;
    Tensor w = be->upload_weight(v, n, K);
    EXPECT_EQ(std::memcmp(map.data() + 2, in.w.data(), v.nbytes), 0)
        << "the mapping lost the file's bytes";
    Tensor xt = be->alloc(DType::F32, T, K), y = be->alloc(DType::F32, T, n);
    be->upload(xt, in.x.data());
    be->matmul(xt, w, nullptr, y);
    be->download(y, got.data());
  }
  std::filesystem::remove(path);
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0);
}

TEST(HugePageMemory, IsAlignedZeroedAndAdvisedWhereTheKernelHasThem) {
  HugePageMemory m((size_t{5} << 20) + 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.data()) % (size_t{2} << 20), 0u);
  EXPECT_EQ(m.size(), (size_t{5} << 20) + 3);
  for (size_t i = 0; i < m.size(); i += 4096) ASSERT_EQ(m.data()[i], 0);
  m.data()[m.size() - 1] = 1;  // the whole size is writable
  // madvise(MADV_HUGEPAGE) succeeds wherever the kernel was built with transparent huge
  // pages (the sysfs file exists, whatever its mode) and fails (EINVAL) elsewhere
  const bool kernel_has_thp = std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
  EXPECT_EQ(m.advised(), kernel_has_thp);
}

// The CPU backend copies a weight only while the machine keeps a reserve of available
// memory after it (the copy cannot be reclaimed as the file's page cache could).
TEST(HugePageMemory, CopiesFitOnlyWithinTheAvailableMemory) {
  EXPECT_TRUE(copy_fits_in_memory(size_t{4} << 20));
  EXPECT_FALSE(copy_fits_in_memory(size_t{1} << 50));  // 1 PiB
}

}  // namespace
}  // namespace coil
