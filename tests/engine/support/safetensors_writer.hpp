// Writes .safetensors files (valid, synthetic or deliberately malformed) for tests.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {
struct ModelConfig;
class SafetensorsFile;
}  // namespace coil

namespace coil::test {

// One tensor to write. `dtype` is the safetensors spelling and is written as given, so any
// string ("F64", "BOGUS") can be used; `bytes` is written as given, whatever its size.
struct TensorData {
  std::string name;
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

// The JSON header for `tensors` laid out back to back in the given order (plus
// `__metadata__` when non-empty), padded with spaces to a multiple of 8 bytes.
std::string safetensors_header(const std::vector<TensorData>& tensors,
                               const std::map<std::string, std::string>& metadata = {});

// Writes u64 header length + header + the tensors' bytes concatenated in order. With
// `raw_header`, that exact text is the header (no padding), so a test can declare any
// offsets, dtypes or junk; the data section is still the concatenated bytes.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorData>& tensors,
                       const std::optional<std::string>& raw_header = std::nullopt);

// Writes `bytes` as the whole file (for truncated files and absurd header lengths).
void write_file(const std::filesystem::path& path, const std::string& bytes);

// A tensor of `shape` whose elements are deterministic pseudo-random values in [-1, 1)
// (seeded by the name), stored as `dtype` (F32, F16, BF16 or I32).
TensorData make_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape);

// Copies every tensor of an opened file (sorted by name) so a test can rewrite it.
std::vector<TensorData> read_tensors(const SafetensorsFile& file);

// Every tensor a checkpoint of `config` must hold, with the right shapes, as `dtype`.
std::vector<TensorData> model_tensors(const ModelConfig& config, DType dtype = DType::F32);

// Writes config.json (the given JSON) and model.safetensors (the given tensors) into `dir`.
void write_model(const std::filesystem::path& dir, const nlohmann::json& config,
                 const std::vector<TensorData>& tensors);

// Writes `tensors` as shards "model-0000i-of-0000n.safetensors" (tensor k goes to shard
// k % n) plus model.safetensors.index.json into `dir`; returns the shard file names.
std::vector<std::string> write_sharded(const std::filesystem::path& dir,
                                       const std::vector<TensorData>& tensors, int n_shards);

}  // namespace coil::test
