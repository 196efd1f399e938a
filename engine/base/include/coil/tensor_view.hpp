// A host tensor a backend uploads weights from: typically a view into a memory-mapped model
// file (safetensors.hpp), or synthetic weights in host memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {

// A tensor stored in a mapped file: pointer into the mapping, valid while the file lives.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
  std::filesystem::path file;  // for error messages
  // The data already lies in this process's 2 MiB-page memory (coil/huge_pages.hpp: the
  // synthetic weights), so a backend uses it in place rather than copying it there.
  bool huge_pages = false;
  // The data lies in a read-only file mapping (MappedFile): a backend that copied it may
  // drop the mapping's pages from the process (drop_mapped_pages); they stay in the page
  // cache and a later read maps them again.
  bool file_mapped = false;

  int64_t numel() const;  // throws coil::Error when the shape overflows
};

}  // namespace coil
