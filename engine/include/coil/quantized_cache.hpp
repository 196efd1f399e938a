// A safetensors model run quantized without a `coil quantize` step: quantized once (the
// same code, quantize_model) into a GGUF file kept in a cache folder, and found again by a
// key of the model folder (its path, and the name, size and modification time of each of
// its files) and the type. A source that changed gets a new key: it is quantized anew and
// the copy of its old contents removed. The folder's total stays within a byte budget:
// least recently used copies go first, never the one asked for.
//
// Each copy has a record beside it (<copy>.check: its size and the hash of all its bytes,
// written once the copy is whole). A copy found again is checked against it before use: one
// cut short, changed or without a record (an unfinished write, a full disk, an edit) is
// removed and quantized anew, and QuantizedCopy::remade_because says why.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "coil/dtype.hpp"

namespace coil {

struct QuantizedCacheOptions {
  std::filesystem::path dir;  // the cache folder (made when missing)
  uint64_t budget_bytes = uint64_t{64} << 30;
  int threads = 0;  // quantize_model's; 0: hardware threads
  // While quantizing: (fraction of the source's bytes done, tensor name).
  std::function<void(double, const std::string&)> progress;
  // Checked after each tensor; once true, quantized_copy throws coil::LoadCancelled and
  // leaves no file behind.
  const std::atomic<bool>* cancel = nullptr;
  // While a copy found in the cache is checked: the fraction of its bytes read.
  std::function<void(double)> checking;
};

struct QuantizedCopy {
  std::filesystem::path path;  // the GGUF file to open
  bool made = false;           // quantized now (false: found in the cache)
  // Set when a copy was in the cache but damaged (why, in words): it was made again.
  std::string remade_because;
};

// `model` (a folder with config.json and safetensors) in `type` (q8_0, q4_k, ...): the
// cached copy, or quantized now. Throws coil::Error (the source's own errors, a full disk)
// or coil::LoadCancelled.
QuantizedCopy quantized_copy(const std::filesystem::path& model, DType type,
                             const QuantizedCacheOptions& options);

// The copies in `dir` (*.gguf files this cache made) and their total size.
std::vector<std::filesystem::path> quantized_copies(const std::filesystem::path& dir);
uint64_t quantized_cache_bytes(const std::filesystem::path& dir);
// Why the copy at `path` cannot be used, in words ("" when it matches its record). Reads the
// whole file (checking `cancel` and calling `checking` between pieces).
std::string quantized_copy_damage(const std::filesystem::path& path,
                                  const QuantizedCacheOptions& options = {});
// Removes every copy, its record and unfinished ones; a missing folder is empty.
void clear_quantized_cache(const std::filesystem::path& dir);

}  // namespace coil
