// Writing GGUF v3 files (the layout in coil/gguf.hpp): metadata in the order set, tensor
// data aligned to 32 bytes and produced one tensor at a time, so a file larger than memory
// can be written. The file appears complete or not at all (write_file_atomically).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "coil/dtype.hpp"
#include "coil/gguf.hpp"

namespace coil {

class GgufWriter {
 public:
  // Metadata; setting a key again replaces its value in place.
  void set(const std::string& key, GgufValue v);
  void set_u32(const std::string& key, uint32_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, std::string v);
  void set_strings(const std::string& key, std::vector<std::string> v);
  void set_i32s(const std::string& key, std::vector<int64_t> v);
  bool has(const std::string& key) const;

  // A tensor of `shape` (row-major, outermost first; written as GGUF's reversed ne) whose
  // dtype_tensor_bytes(dtype, ...) bytes `fill` writes into the buffer it is given.
  using Fill = std::function<void(uint8_t* dst)>;
  void add_tensor(std::string name, DType dtype, std::vector<int64_t> shape, Fill fill);

  // Writes everything to `path` through write_file_atomically (a temporary file renamed when
  // complete). Throws coil::Error naming the file on an I/O error, leaving no file behind.
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    Fill fill;
    uint64_t nbytes;
  };
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace coil
