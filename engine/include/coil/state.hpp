// A sequence's recurrent state on the host, and the .coilstate file format.
//
// File layout (little-endian), version 1:
//   magic "COILSTAT" (8) | u32 version | u32 reserved 0
//   u64 model fingerprint | u64 token count | u64 token-sequence hash
//   u32 n_layers | u32 d_inner | u32 d_state | u32 conv_kernel
//   f32 payload: per layer, conv [K-1, D] then ssm [D, N]
//   u64 checksum of every byte before it
// A state is backend-independent: saved on CPU, resumed on Vulkan or CUDA.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "coil/mapped_file.hpp"

namespace coil {

struct RecurrentState {
  uint64_t model_fingerprint = 0;
  int64_t n_tokens = 0;
  uint64_t token_hash = 0;
  int32_t n_layers = 0, d_inner = 0, d_state = 0, conv_kernel = 0;
  std::vector<float> data;  // L x ([K-1, D] conv, then [D, N] ssm)

  size_t layer_floats() const;
  size_t file_bytes() const;  // size of the file write_state_file produces
};

// A checked state whose payload stays where it was read (a mapped file, a database blob):
// restoring from it uploads straight from there, with no copy into a RecurrentState (a 7B
// state is 38 MiB). Valid while that memory is.
struct StateView {
  RecurrentState header;             // every field but data (empty)
  const uint8_t* payload = nullptr;  // header.layer_floats() * n_layers little-endian f32

  size_t floats() const { return header.layer_floats() * size_t(header.n_layers); }
  static StateView of(const RecurrentState& state);  // a view of an in-memory state
};

// A state file mapped read-only and checked (the refusals of read_state_file).
class MappedStateFile {
 public:
  MappedStateFile(const std::filesystem::path& path, uint64_t expected_fingerprint);
  MappedStateFile(const MappedStateFile&) = delete;
  MappedStateFile& operator=(const MappedStateFile&) = delete;
  const StateView& view() const { return view_; }
  size_t file_bytes() const { return file_.size(); }

 private:
  MappedFile file_;
  StateView view_;
};

constexpr uint32_t kStateFileVersion = 1;

// Writes atomically: a temporary file in the same folder, fsync, rename, fsync(folder).
// Throws coil::Error (e.g. "cannot write state file X: No space left on device") and
// leaves no partial file behind.
void write_state_file(const std::filesystem::path& path, const RecurrentState& state);
// Serialises to / parses from memory (the file format above).
std::vector<uint8_t> serialize_state(const RecurrentState& state);
// Reads and checks a state file. Throws coil::Error with a clear reason: not a state
// file, unknown version, truncated, checksum mismatch (corrupt), or - when
// expected_fingerprint != 0 - saved from another model.
RecurrentState read_state_file(const std::filesystem::path& path, uint64_t expected_fingerprint);
RecurrentState parse_state(const uint8_t* data, size_t size, uint64_t expected_fingerprint,
                           const std::string& source);
// The same checks, without copying the payload out of `data`.
StateView parse_state_view(const uint8_t* data, size_t size, uint64_t expected_fingerprint,
                           const std::string& source);

}  // namespace coil
