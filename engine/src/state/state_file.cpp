#include <cstring>

#include "coil/atomic_file.hpp"
#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/limits.hpp"
#include "coil/state.hpp"

namespace coil {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'I', 'L', 'S', 'T', 'A', 'T'};
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 8 + 4 * 4;

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

template <typename T>
T get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

size_t RecurrentState::layer_floats() const {
  return static_cast<size_t>(conv_kernel - 1) * d_inner + static_cast<size_t>(d_inner) * d_state;
}

size_t RecurrentState::file_bytes() const {
  return kHeaderBytes + data.size() * 4 + 8;
}

std::vector<uint8_t> serialize_state(const RecurrentState& s) {
  if (s.n_tokens < 0 || s.data.size() != s.layer_floats() * s.n_layers)
    throw Error("internal: state payload does not match its dimensions");
  std::vector<uint8_t> out;
  out.reserve(s.file_bytes());
  out.insert(out.end(), kMagic, kMagic + 8);
  put<uint32_t>(out, kStateFileVersion);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, s.model_fingerprint);
  put<uint64_t>(out, static_cast<uint64_t>(s.n_tokens));
  put<uint64_t>(out, s.token_hash);
  put<uint32_t>(out, s.n_layers);
  put<uint32_t>(out, s.d_inner);
  put<uint32_t>(out, s.d_state);
  put<uint32_t>(out, s.conv_kernel);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data.data());
  out.insert(out.end(), p, p + s.data.size() * 4);
  put<uint64_t>(out, hash_bytes(out.data(), out.size()));
  return out;
}

StateView parse_state_view(const uint8_t* d, size_t size, uint64_t expected_fingerprint,
                           const std::string& src) {
  if (size < 8 || std::memcmp(d, kMagic, 8) != 0) throw Error(src + " is not a Coil state file");
  if (size < 16) throw Error("state file " + src + " is truncated");
  const uint32_t version = get<uint32_t>(d + 8);
  if (version != kStateFileVersion)
    throw Error("state file " + src + " has format version " + std::to_string(version) +
                ", this Coil reads version " + std::to_string(kStateFileVersion));
  if (size < kHeaderBytes + 8) throw Error("state file " + src + " is truncated");
  if (get<uint32_t>(d + 12) != 0)
    throw Error("state file " + src + " is corrupt (its reserved field is not zero)");
  RecurrentState s;
  s.model_fingerprint = get<uint64_t>(d + 16);
  const uint64_t n_tokens = get<uint64_t>(d + 24);
  if (n_tokens > static_cast<uint64_t>(INT64_MAX))
    throw Error("state file " + src + " is corrupt (a negative token count)");
  s.n_tokens = static_cast<int64_t>(n_tokens);
  s.token_hash = get<uint64_t>(d + 32);
  s.n_layers = static_cast<int32_t>(get<uint32_t>(d + 40));
  s.d_inner = static_cast<int32_t>(get<uint32_t>(d + 44));
  s.d_state = static_cast<int32_t>(get<uint32_t>(d + 48));
  s.conv_kernel = static_cast<int32_t>(get<uint32_t>(d + 52));
  if (s.n_layers <= 0 || s.d_inner <= 0 || s.d_state <= 0 || s.conv_kernel <= 0 ||
      s.n_layers > limits::kLayers || s.d_inner > limits::kInner ||
      s.d_state > limits::kStateSize || s.conv_kernel > limits::kConvKernel)
    throw Error("state file " + src + " is corrupt (impossible dimensions)");
  // Within the limits each product fits easily; checked all the same.
  uint64_t floats = 0, expected = 0;
  if (!mul_fits<uint64_t>(s.layer_floats(), uint64_t(s.n_layers), &floats) ||
      !mul_fits<uint64_t>(floats, 4, &expected) ||
      !add_fits<uint64_t>(expected, kHeaderBytes + 8, &expected))
    throw Error("state file " + src + " is corrupt (impossible dimensions)");
  if (size < expected) throw Error("state file " + src + " is truncated");
  if (size > expected) throw Error("state file " + src + " is corrupt (trailing bytes)");
  if (hash_bytes(d, size - 8) != get<uint64_t>(d + size - 8))
    throw Error("state file " + src + " is corrupt (checksum mismatch)");
  if (expected_fingerprint != 0 && s.model_fingerprint != expected_fingerprint)
    throw Error("state file " + src + " was saved from a different model");
  return StateView{s, d + kHeaderBytes};
}

RecurrentState parse_state(const uint8_t* d, size_t size, uint64_t expected_fingerprint,
                           const std::string& src) {
  const StateView v = parse_state_view(d, size, expected_fingerprint, src);
  RecurrentState s = v.header;
  s.data.resize(v.floats());
  std::memcpy(s.data.data(), v.payload, v.floats() * 4);
  return s;
}

StateView StateView::of(const RecurrentState& state) {
  StateView v;
  v.header.model_fingerprint = state.model_fingerprint;
  v.header.n_tokens = state.n_tokens;
  v.header.token_hash = state.token_hash;
  v.header.n_layers = state.n_layers;
  v.header.d_inner = state.d_inner;
  v.header.d_state = state.d_state;
  v.header.conv_kernel = state.conv_kernel;
  if (state.data.size() != v.floats())
    throw Error("internal: state payload does not match its dimensions");
  v.payload = reinterpret_cast<const uint8_t*>(state.data.data());
  return v;
}

// The file is mapped with its pages populated in one go and checked in place. Reading a
// 38 MiB 7B state into a temporary buffer first cost ~100 ms of page faults on the
// development VM; restoring from the mapping needs no buffer at all.
MappedStateFile::MappedStateFile(const std::filesystem::path& path, uint64_t expected_fingerprint)
    : file_(path, "state file ", /*populate=*/true),
      view_(parse_state_view(file_.data(), file_.size(), expected_fingerprint, path.string())) {}

RecurrentState read_state_file(const std::filesystem::path& path, uint64_t expected_fingerprint) {
  const MappedStateFile file(path, expected_fingerprint);
  const StateView& v = file.view();
  RecurrentState s = v.header;
  s.data.resize(v.floats());
  std::memcpy(s.data.data(), v.payload, v.floats() * 4);
  return s;
}

void write_state_file(const std::filesystem::path& path, const RecurrentState& state) {
  const auto bytes = serialize_state(state);
  write_file_atomically(path, bytes.data(), bytes.size(), "state file ");
}

}  // namespace coil
