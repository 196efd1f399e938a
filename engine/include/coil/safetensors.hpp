// Memory-mapped safetensors files (single or sharded via model.safetensors.index.json).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coil/dtype.hpp"
#include "coil/mapped_file.hpp"
#include "coil/tensor_view.hpp"

namespace coil {

// One .safetensors file, mmap'ed read-only. The header is validated completely on open:
// header length within the file, valid JSON (limits.hpp), known dtypes, shapes whose size
// fits in 64 bits, data offsets inside the data section, not overlapping, byte counts
// matching shape x dtype size. A tensor whose data is not aligned to its element size
// (a header padded wrongly) is copied to aligned memory owned by the file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);  // throws coil::Error
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::filesystem::path path_;
  MappedFile map_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<std::byte, Free>> copies_;  // aligned copies of misaligned tensors

  void open();
  const void* aligned_copy(const void* data, size_t nbytes);
};

// All tensors of a model folder: model.safetensors, or the shards listed by
// model.safetensors.index.json (every listed shard must exist and hold exactly the tensors
// the index assigns to it; a tensor in two files is an error).
class TensorStore {
 public:
  explicit TensorStore(const std::filesystem::path& model_dir);  // throws coil::Error

  const TensorView* find(const std::string& name) const;  // nullptr when absent
  const TensorView& at(const std::string& name) const;    // throws "missing tensor NAME in DIR"
  const std::map<std::string, const TensorView*>& all() const { return all_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> all_;

  void open();
};

}  // namespace coil
