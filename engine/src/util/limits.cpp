// The checked arithmetic of limits.hpp.
#include "coil/limits.hpp"

#include <string>

#include "coil/error.hpp"

namespace coil {
namespace {

[[noreturn]] void too_large(std::string_view source, std::string_view what) {
  throw Error(std::string(source) + ": " + std::string(what) + " is too large");
}

template <class T>
T add_or_throw(T a, T b, std::string_view source, std::string_view what) {
  T r;
  if (!add_fits(a, b, &r)) too_large(source, what);
  return r;
}

template <class T>
T mul_or_throw(T a, T b, std::string_view source, std::string_view what) {
  T r;
  if (!mul_fits(a, b, &r)) too_large(source, what);
  return r;
}

}  // namespace

int64_t checked_add(int64_t a, int64_t b, std::string_view source, std::string_view what) {
  return add_or_throw(a, b, source, what);
}
int64_t checked_mul(int64_t a, int64_t b, std::string_view source, std::string_view what) {
  return mul_or_throw(a, b, source, what);
}
uint64_t checked_add(uint64_t a, uint64_t b, std::string_view source, std::string_view what) {
  return add_or_throw(a, b, source, what);
}
uint64_t checked_mul(uint64_t a, uint64_t b, std::string_view source, std::string_view what) {
  return mul_or_throw(a, b, source, what);
}

std::optional<int64_t> checked_numel(std::span<const int64_t> shape) {
  int64_t nonzero = 1;
  bool zero = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d == 0) {
      zero = true;
      continue;
    }
    if (!mul_fits(nonzero, d, &nonzero)) return std::nullopt;
  }
  return zero ? 0 : nonzero;
}

void require_in_file(uint64_t needed, uint64_t available, std::string_view source,
                     std::string_view what) {
  if (needed <= available) return;
  throw Error(std::string(source) + ": " + std::string(what) + " needs " + std::to_string(needed) +
              " bytes but the file holds only " + std::to_string(available) +
              " (truncated or corrupt)");
}

}  // namespace coil
