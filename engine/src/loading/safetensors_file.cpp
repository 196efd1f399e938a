// One .safetensors file: mmap'ed read-only, its header validated completely on open.
// Layout: u64 little-endian header length N, N bytes of JSON, then the data section that
// the tensors' data_offsets index into.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <string_view>

#include "coil/error.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"
#include "coil/safetensors.hpp"
#include "loading/shape_text.hpp"

namespace coil {
namespace {

using nlohmann::json;

class Closer {
 public:
  explicit Closer(int fd) : fd_(fd) {}
  ~Closer() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

// A non-negative JSON integer, or false.
bool to_u64(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

struct Span {
  uint64_t begin, end;
  const std::string* name;
};

}  // namespace

int64_t TensorView::numel() const {
  const std::optional<int64_t> n = checked_numel(shape);
  if (!n)
    throw Error("tensor " + name + " in " + file.string() + ": shape " + shape_text(shape) +
                " is impossibly large");
  return *n;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  guard(path.string(), [&] { open(); });
}

void SafetensorsFile::open() {
  const std::string file = path_.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + file + ": " + std::strerror(errno));
  Closer closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error("cannot stat " + file + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(file + " is not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8)
    throw Error("safetensors file " + file + " is truncated: " + std::to_string(size) +
                " bytes, shorter than its 8-byte header length");

  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) throw Error("cannot map " + file + ": " + std::strerror(errno));
  map_ = map;
  map_size_ = size;
  try {
    const auto* bytes = static_cast<const unsigned char*>(map_);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    if (n > limits::kSafetensorsHeaderBytes || n > size - 8)
      throw Error("safetensors file " + file + " has an absurd header length of " +
                  std::to_string(n) + " bytes (file size " + std::to_string(size) +
                  " bytes, at most " + std::to_string(limits::kSafetensorsHeaderBytes) +
                  " allowed): truncated or not a safetensors file");
    const uint64_t data_begin = 8 + n;
    const uint64_t data_size = size - data_begin;

    const json header = parse_json(std::string_view(reinterpret_cast<const char*>(bytes + 8), n),
                                   "safetensors file " + file + " (its JSON header)");
    if (!header.is_object())
      throw Error("safetensors file " + file + " has a header that is not a JSON object");

    std::vector<Span> spans;
    for (auto it = header.begin(); it != header.end(); ++it) {
      const std::string& name = it.key();
      const json& e = it.value();
      if (name == "__metadata__") {
        if (!e.is_object())
          throw Error("safetensors file " + file + ": __metadata__ is not a JSON object");
        for (auto m = e.begin(); m != e.end(); ++m) {
          if (!m.value().is_string())
            throw Error("safetensors file " + file + ": __metadata__ entry '" + m.key() +
                        "' is not a string");
          metadata_[m.key()] = m.value().get<std::string>();
        }
        continue;
      }
      const std::string where = "tensor " + name + " in " + file;
      if (!e.is_object()) throw Error(where + ": header entry is not a JSON object");
      for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!e.contains(key)) throw Error(where + ": header entry has no '" + key + "'");

      TensorView v;
      v.name = name;
      v.file = path_;
      const json& dt = e["dtype"];
      if (!dt.is_string()) throw Error(where + ": 'dtype' is not a string");
      if (!parse_dtype(dt.get<std::string>(), &v.dtype))
        throw Error(where + " has unsupported dtype " + dt.get<std::string>() +
                    " (supported: F32, F16, BF16, I32)");

      const json& sh = e["shape"];
      if (!sh.is_array()) throw Error(where + ": 'shape' is not a list");
      if (sh.size() > limits::kTensorRank)
        throw Error(where + ": 'shape' has " + std::to_string(sh.size()) +
                    " dimensions, more than the " + std::to_string(limits::kTensorRank) +
                    " supported");
      for (const auto& d : sh) {
        uint64_t u;
        if (!to_u64(d, &u) || u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          throw Error(where + ": 'shape' " + json_excerpt(sh) +
                      " holds a non-integer or negative dimension");
        v.shape.push_back(static_cast<int64_t>(u));
      }
      const std::optional<int64_t> numel = checked_numel(v.shape);
      uint64_t needed = 0;
      if (!numel ||
          !mul_fits(static_cast<uint64_t>(*numel), uint64_t{dtype_size(v.dtype)}, &needed))
        throw Error(where + ": shape " + shape_text(v.shape) + " is impossibly large");

      const json& off = e["data_offsets"];
      uint64_t begin = 0, end = 0;
      if (!off.is_array() || off.size() != 2 || !to_u64(off[0], &begin) || !to_u64(off[1], &end))
        throw Error(where + ": 'data_offsets' must be two non-negative integers, got " +
                    json_excerpt(off));
      if (begin > end)
        throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " +
                    std::to_string(end) + "] end before they begin");
      if (end > data_size)
        throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " +
                    std::to_string(end) + "] fall outside the data section (" +
                    std::to_string(data_size) + " bytes): the file is truncated or corrupt");
      if (end - begin != needed)
        throw Error(where + " holds " + std::to_string(end - begin) + " bytes but its shape " +
                    shape_text(v.shape) + " of " + dtype_name(v.dtype) + " needs " +
                    std::to_string(needed));
      v.data = bytes + data_begin + begin;
      v.nbytes = static_cast<size_t>(end - begin);
      // Kernels read elements in place, so an element must start at a multiple of its size;
      // the safetensors writer pads the header so that it does. Where a file does not (a
      // header length or offset that is not a multiple of 8), the tensor is copied.
      if (reinterpret_cast<uintptr_t>(v.data) % dtype_alignment(v.dtype) != 0)
        v.data = aligned_copy(v.data, v.nbytes);
      auto [slot, inserted] = tensors_.emplace(name, std::move(v));
      if (begin != end) spans.push_back({begin, end, &slot->first});
    }

    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < spans.size(); ++i)
      if (spans[i].begin < spans[i - 1].end)
        throw Error("tensors " + *spans[i - 1].name + " and " + *spans[i].name + " in " + file +
                    " overlap (bytes [" + std::to_string(spans[i - 1].begin) + ", " +
                    std::to_string(spans[i - 1].end) + ") and [" + std::to_string(spans[i].begin) +
                    ", " + std::to_string(spans[i].end) + ") of the data section)");
  } catch (...) {
    ::munmap(map_, map_size_);
    map_ = nullptr;
    copies_.clear();
    throw;
  }
}

const void* SafetensorsFile::aligned_copy(const void* data, size_t nbytes) {
  // 64-byte aligned, like a fresh allocation for SIMD; at least one byte.
  auto* p = static_cast<std::byte*>(std::aligned_alloc(64, (nbytes + 64) / 64 * 64));
  if (!p) throw std::bad_alloc();
  copies_.emplace_back(p);
  std::memcpy(p, data, nbytes);
  return p;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_size_);
}

}  // namespace coil
