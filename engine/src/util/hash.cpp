#include "coil/hash.hpp"

#include <cstring>

namespace coil {
namespace {
constexpr uint64_t kP1 = 0x9e3779b185ebca87ull;
constexpr uint64_t kP2 = 0xc2b2ae3d27d4eb4full;

inline uint64_t rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}
inline uint64_t round(uint64_t acc, uint64_t w) {
  return rotl(acc + w * kP2, 31) * kP1;
}
}  // namespace

Hasher::Hasher(uint64_t seed) {
  lanes_[0] = seed + kP1 + kP2;
  lanes_[1] = seed + kP2;
  lanes_[2] = seed;
  lanes_[3] = seed - kP1;
}

void Hasher::update(const void* data, size_t bytes) {
  auto* p = static_cast<const uint8_t*>(data);
  total_ += bytes;
  if (tail_len_) {
    const size_t take = std::min(bytes, 32 - tail_len_);
    std::memcpy(tail_ + tail_len_, p, take);
    tail_len_ += take;
    p += take;
    bytes -= take;
    if (tail_len_ < 32) return;
    uint64_t w[4];
    std::memcpy(w, tail_, 32);
    for (int i = 0; i < 4; ++i) lanes_[i] = round(lanes_[i], w[i]);
    tail_len_ = 0;
  }
  while (bytes >= 32) {
    uint64_t w[4];
    std::memcpy(w, p, 32);
    for (int i = 0; i < 4; ++i) lanes_[i] = round(lanes_[i], w[i]);
    p += 32;
    bytes -= 32;
  }
  std::memcpy(tail_, p, bytes);
  tail_len_ = bytes;
}

uint64_t Hasher::digest() const {
  uint64_t h = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
  h = mix64(h ^ total_);
  for (size_t i = 0; i < tail_len_; ++i) h = mix64(h ^ (uint64_t(tail_[i]) + i * kP1));
  return mix64(h);
}

}  // namespace coil
