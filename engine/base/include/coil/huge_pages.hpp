// Anonymous host memory in 2 MiB pages where the kernel grants them (Linux transparent huge
// pages through madvise(MADV_HUGEPAGE)). A decode GEMV streams several weight rows at once,
// and with 4 KiB pages their TLB misses, not compute, hold a core back (docs/PERFORMANCE.md,
// "Weights in 2 MiB pages"); a model file's page-cache mapping cannot get 2 MiB pages, so
// the CPU backend copies large weights into this memory at load.
#pragma once
#include <cstddef>

namespace coil {

class HugePageMemory {
 public:
  // `bytes` of zeroed memory, 2 MiB-aligned; throws std::bad_alloc when the mapping fails.
  explicit HugePageMemory(size_t bytes);
  ~HugePageMemory();
  HugePageMemory(const HugePageMemory&) = delete;
  HugePageMemory& operator=(const HugePageMemory&) = delete;

  char* data() const { return data_; }
  size_t size() const { return size_; }
  // Whether the kernel accepted the 2 MiB-page advice (it may still fall back to 4 KiB
  // pages when it finds no free 2 MiB ones; anon_huge_page_bytes() says what it gave).
  bool advised() const { return advised_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0, mapped_ = 0;
  bool advised_ = false;
};

// Whether `bytes` more of resident memory leave this machine enough: MemAvailable of
// /proc/meminfo stays above max(1 GiB, 10% of MemTotal) after them. A weight copy is
// resident memory the kernel cannot reclaim (the file mapping it replaces could be), so
// the CPU backend copies only while this holds. True where /proc/meminfo is unreadable.
bool copy_fits_in_memory(size_t bytes);

// Unmaps the whole pages of [data, data + bytes), which must lie in a read-only file
// mapping (TensorView::file_mapped), from this process (madvise(MADV_DONTNEED)): its
// resident memory falls, the file's pages stay in the page cache, a later read maps them
// again. For the copy of a weight, so that a model is not resident twice.
void drop_mapped_pages(const void* data, size_t bytes);

// Bytes held by HugePageMemory objects alive now (all threads): what a leak check adds to
// the heap, since this memory is mapped, not allocated from it.
size_t huge_page_memory_in_use();

// This process's anonymous memory in 2 MiB pages now (AnonHugePages of
// /proc/self/smaps_rollup), 0 where the kernel does not report it.
size_t anon_huge_page_bytes();

}  // namespace coil
