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

  int64_t numel() const;  // throws coil::Error when the shape overflows
};

}  // namespace coil
