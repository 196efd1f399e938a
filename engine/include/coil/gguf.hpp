// GGUF files (versions 2 and 3, little-endian): header, metadata key/values, tensor infos and
// the memory-mapped tensor data. Layout (the GGUF specification; gguf-py's constants):
//   u32 magic "GGUF", u32 version, u64 tensor_count, u64 kv_count,
//   kv_count x (string key, u32 value type, value),
//   tensor_count x (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset),
//   padding to general.alignment (default 32), then the data section; each tensor's offset
//   is relative to it and a multiple of the alignment. A string is u64 length + bytes; an
//   array is u32 element type + u64 count + elements. ne[0] is the innermost dimension.
//
// Every file is treated as hostile: each count, length and offset is checked against the
// file's size before anything is allocated, arithmetic is overflow-checked, strings and
// arrays are bounded, tensors must lie inside the data section, aligned and not
// overlapping. Errors (coil::Error) name the file and the key or tensor.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coil/dtype.hpp"
#include "coil/mapped_file.hpp"
#include "coil/safetensors.hpp"

namespace coil {

enum class GgufType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};
const char* gguf_type_name(GgufType t);  // "uint32", "string", "array", ...

// One metadata value. Integers keep their exact value in `u` (unsigned) or `i` (signed);
// arrays hold their elements by kind: strings, integers (as int64; uint64 above INT64_MAX
// are refused), floats (as double), booleans (as 0/1 in ints), or nested arrays.
struct GgufValue {
  GgufType type = GgufType::UInt8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string str;
  GgufType elem = GgufType::UInt8;  // arrays: the element type
  std::vector<std::string> strings;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<GgufValue> arrays;

  bool is_integer() const;
  bool is_array() const { return type == GgufType::Array; }
  uint64_t array_size() const;
};

// GGML's id of each tensor type Coil reads, and the names of those it does not.
std::optional<DType> dtype_from_ggml(uint32_t ggml_type);
uint32_t ggml_type_of(DType t);           // throws for I32
std::string ggml_type_name(uint32_t id);  // "Q4_K", "IQ2_XXS", ..., "unknown type 99"

struct GgufTensorInfo {
  std::string name;
  uint32_t ggml_type = 0;
  std::vector<uint64_t> ne;  // GGUF order: ne[0] innermost
  uint64_t offset = 0;       // from the start of the data section
  uint64_t nbytes = 0;
};

class GgufFile {
 public:
  // Opens, maps and validates the whole header. Throws coil::Error naming the file.
  explicit GgufFile(const std::filesystem::path& path);
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::map<std::string, GgufValue>& metadata() const { return kv_; }
  const std::vector<GgufTensorInfo>& tensor_infos() const { return infos_; }

  const GgufValue* find(const std::string& key) const;
  // Typed lookups: nullopt when absent; a present key of the wrong type (or an integer out
  // of range) is an error naming the key and the file.
  std::optional<uint64_t> get_uint(const std::string& key) const;
  std::optional<double> get_float(const std::string& key) const;  // any numeric type
  std::optional<bool> get_bool(const std::string& key) const;
  std::optional<std::string> get_string(const std::string& key) const;
  const std::vector<std::string>* get_string_array(const std::string& key) const;
  // An array of integers (or of booleans), or nullptr when absent.
  const std::vector<int64_t>* get_int_array(const std::string& key) const;
  const std::vector<double>* get_float_array(const std::string& key) const;

  // A tensor's view (shape in row-major order, outermost first: ne reversed). Throws for a
  // tensor whose type Coil does not read ("... has type Q2_K, which Coil does not read").
  const TensorView* find_tensor(const std::string& name) const;  // nullptr when absent
  // Every tensor of a supported type, by name.
  const std::map<std::string, TensorView>& tensors() const { return views_; }
  // The first tensor of an unsupported type, if any (its name and type name).
  const GgufTensorInfo* first_unsupported() const;

  // The whole mapping (for hashing or copying tensor data).
  const uint8_t* data_section() const { return map_.data() + data_start_; }

 private:
  std::filesystem::path path_;
  MappedFile map_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_start_ = 0;
  std::map<std::string, GgufValue> kv_;
  std::vector<GgufTensorInfo> infos_;
  std::map<std::string, TensorView> views_;
};

// Whether `path` is a file that starts with the GGUF magic.
bool is_gguf_file(const std::filesystem::path& path);

}  // namespace coil
