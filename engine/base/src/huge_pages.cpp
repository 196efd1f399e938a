#include "coil/huge_pages.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <new>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace coil {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
std::atomic<size_t> g_in_use{0};
}  // namespace

HugePageMemory::HugePageMemory(size_t bytes) : size_(bytes) {
#if defined(__linux__)
  if (bytes > SIZE_MAX - 2 * kHugePage) throw std::bad_alloc();
  // Over-map by one page so a 2 MiB-aligned start exists, then trim both ends.
  const size_t want = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t len = want + kHugePage;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (base + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > base) munmap(p, aligned - base);
  const size_t tail = base + len - (aligned + want);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + want), tail);
  data_ = reinterpret_cast<char*>(aligned);
  mapped_ = want;
  advised_ = madvise(data_, mapped_, MADV_HUGEPAGE) == 0;
  g_in_use += mapped_;
#else
  data_ = static_cast<char*>(::operator new(bytes == 0 ? 1 : bytes, std::align_val_t(64)));
  mapped_ = bytes;
#endif
}

HugePageMemory::~HugePageMemory() {
#if defined(__linux__)
  munmap(data_, mapped_);
  g_in_use -= mapped_;
#else
  ::operator delete(data_, std::align_val_t(64));
#endif
}

void drop_mapped_pages(const void* data, size_t bytes) {
#if defined(__linux__)
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto b = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (b + page - 1) / page * page, last = (b + bytes) / page * page;
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
#else
  (void)data;
  (void)bytes;
#endif
}

bool copy_fits_in_memory(size_t bytes) {
  std::ifstream f("/proc/meminfo");
  std::string key;
  size_t total_kb = 0, available_kb = 0;
  bool have_total = false, have_available = false;
  while (f >> key && !(have_total && have_available)) {
    if (key == "MemTotal:") have_total = static_cast<bool>(f >> total_kb);
    if (key == "MemAvailable:") have_available = static_cast<bool>(f >> available_kb);
    f.ignore(1 << 16, '\n');
  }
  if (!have_total || !have_available) return true;
  const size_t reserve_kb = std::max<size_t>(size_t{1} << 20, total_kb / 10);
  const size_t need_kb = bytes / 1024 + reserve_kb;
  return available_kb >= need_kb;
}

size_t huge_page_memory_in_use() {
  return g_in_use.load();
}

size_t anon_huge_page_bytes() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string key;
  while (f >> key) {
    if (key == "AnonHugePages:") {
      size_t kb = 0;
      f >> kb;
      return kb * 1024;
    }
    f.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace coil
