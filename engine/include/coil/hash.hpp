// A fast 64-bit non-cryptographic hash, for model fingerprints, token-sequence hashes and
// state-file checksums (detecting accidents, not attacks).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coil {

class Hasher {
 public:
  explicit Hasher(uint64_t seed = 0x636f696c2d763131ull);
  void update(const void* data, size_t bytes);
  void update(std::string_view s) { update(s.data(), s.size()); }
  template <typename T>
  void update_value(const T& v) {
    update(&v, sizeof(T));
  }
  uint64_t digest() const;

 private:
  uint64_t lanes_[4];
  uint8_t tail_[32];
  size_t tail_len_ = 0;
  uint64_t total_ = 0;
};

inline uint64_t hash_bytes(const void* data, size_t bytes) {
  Hasher h;
  h.update(data, bytes);
  return h.digest();
}

// The hash of a token sequence, extended one token at a time (the state file records it).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
constexpr uint64_t kEmptyTokenHash = 0x9e3779b97f4a7c15ull;
inline uint64_t extend_token_hash(uint64_t h, int32_t id) {
  return mix64(h ^ (static_cast<uint64_t>(static_cast<uint32_t>(id)) + 0x632be59bd9b4e019ull));
}

}  // namespace coil
