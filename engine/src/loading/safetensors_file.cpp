// One .safetensors file: mmap'ed read-only, its header validated completely on open.
// Layout: u64 little-endian header length N, N bytes of JSON, then the data section that
// the tensors' data_offsets index into.
#include <algorithm>
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

// The u64 little-endian header length, checked against the file's size.
uint64_t header_length(const MappedFile& map, const std::string& file) {
  const uint64_t size = map.size();
  if (size < 8)
    throw Error("safetensors file " + file + " is truncated: " + std::to_string(size) +
                " bytes, shorter than its 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | map.data()[i];
  if (n > limits::kSafetensorsHeaderBytes || n > size - 8)
    throw Error("safetensors file " + file + " has an absurd header length of " +
                std::to_string(n) + " bytes (file size " + std::to_string(size) +
                " bytes, at most " + std::to_string(limits::kSafetensorsHeaderBytes) +
                " allowed): truncated or not a safetensors file");
  return n;
}

json parse_header(const MappedFile& map, uint64_t n, const std::string& file) {
  json header = parse_json(std::string_view(reinterpret_cast<const char*>(map.data() + 8), n),
                           "safetensors file " + file + " (its JSON header)");
  if (!header.is_object())
    throw Error("safetensors file " + file + " has a header that is not a JSON object");
  return header;
}

void read_metadata(const json& e, const std::string& file,
                   std::map<std::string, std::string>* metadata) {
  if (!e.is_object())
    throw Error("safetensors file " + file + ": __metadata__ is not a JSON object");
  for (auto m = e.begin(); m != e.end(); ++m) {
    if (!m.value().is_string())
      throw Error("safetensors file " + file + ": __metadata__ entry '" + m.key() +
                  "' is not a string");
    (*metadata)[m.key()] = m.value().get<std::string>();
  }
}

// The shape of a header entry; *numel its element count (checked for overflow).
std::vector<int64_t> parse_shape(const json& sh, const std::string& where, uint64_t* numel) {
  if (!sh.is_array()) throw Error(where + ": 'shape' is not a list");
  if (sh.size() > limits::kTensorRank)
    throw Error(where + ": 'shape' has " + std::to_string(sh.size()) +
                " dimensions, more than the " + std::to_string(limits::kTensorRank) + " supported");
  std::vector<int64_t> shape;
  for (const auto& d : sh) {
    uint64_t u;
    if (!to_u64(d, &u) || u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw Error(where + ": 'shape' " + json_excerpt(sh) +
                  " holds a non-integer or negative dimension");
    shape.push_back(static_cast<int64_t>(u));
  }
  const std::optional<int64_t> n = checked_numel(shape);
  if (!n) throw Error(where + ": shape " + shape_text(shape) + " is impossibly large");
  *numel = static_cast<uint64_t>(*n);
  return shape;
}

// One tensor's header entry: its dtype, shape and data_offsets, checked against the data
// section of `data_size` bytes; *begin, *end its byte range in that section.
TensorView parse_tensor(const std::string& name, const json& e, const std::string& file,
                        uint64_t data_size, uint64_t* begin, uint64_t* end) {
  const std::string where = "tensor " + name + " in " + file;
  if (!e.is_object()) throw Error(where + ": header entry is not a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) throw Error(where + ": header entry has no '" + key + "'");

  TensorView v;
  v.name = name;
  const json& dt = e["dtype"];
  if (!dt.is_string()) throw Error(where + ": 'dtype' is not a string");
  if (!parse_dtype(dt.get<std::string>(), &v.dtype))
    throw Error(where + " has unsupported dtype " + dt.get<std::string>() +
                " (supported: F32, F16, BF16, I32)");
  uint64_t numel = 0;
  v.shape = parse_shape(e["shape"], where, &numel);

  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !to_u64(off[0], begin) || !to_u64(off[1], end))
    throw Error(where + ": 'data_offsets' must be two non-negative integers, got " +
                json_excerpt(off));
  if (*begin > *end)
    throw Error(where + ": data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                "] end before they begin");
  if (*end > data_size)
    throw Error(where + ": data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                "] fall outside the data section (" + std::to_string(data_size) +
                " bytes): the file is truncated or corrupt");
  const uint64_t elem = dtype_size(v.dtype);
  const bool too_many = numel > std::numeric_limits<uint64_t>::max() / elem;
  if (too_many || *end - *begin != numel * elem)
    throw Error(where + " holds " + std::to_string(*end - *begin) + " bytes but its shape " +
                shape_text(v.shape) + " of " + dtype_name(v.dtype) + " needs " +
                (too_many ? std::string("more") : std::to_string(numel * elem)));
  v.nbytes = static_cast<size_t>(*end - *begin);
  return v;
}

// No two tensors share a byte of the data section.
void check_no_overlap(std::vector<Span> spans, const std::string& file) {
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i].begin < spans[i - 1].end)
      throw Error("tensors " + *spans[i - 1].name + " and " + *spans[i].name + " in " + file +
                  " overlap (bytes [" + std::to_string(spans[i - 1].begin) + ", " +
                  std::to_string(spans[i - 1].end) + ") and [" + std::to_string(spans[i].begin) +
                  ", " + std::to_string(spans[i].end) + ") of the data section)");
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : path_(path), map_(path, "safetensors file ") {
  guard(path.string(), [&] { open(); });
}

void SafetensorsFile::open() {
  const std::string file = path_.string();
  const uint64_t n = header_length(map_, file);
  const uint64_t data_begin = 8 + n;
  const uint64_t data_size = map_.size() - data_begin;
  const json header = parse_header(map_, n, file);
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      read_metadata(it.value(), file, &metadata_);
      continue;
    }
    uint64_t begin = 0, end = 0;
    TensorView v = parse_tensor(it.key(), it.value(), file, data_size, &begin, &end);
    v.file = path_;
    v.data = map_.data() + data_begin + begin;
    // Kernels read elements in place, so an element must start at a multiple of its size;
    // the safetensors writer pads the header so that it does. Where a file does not (a
    // header length or offset that is not a multiple of 8), the tensor is copied.
    if (reinterpret_cast<uintptr_t>(v.data) % dtype_alignment(v.dtype) != 0)
      v.data = aligned_copy(v.data, v.nbytes);
    else
      v.file_mapped = true;
    auto [slot, inserted] = tensors_.emplace(it.key(), std::move(v));
    if (begin != end) spans.push_back({begin, end, &slot->first});
  }
  check_no_overlap(std::move(spans), file);
}

const void* SafetensorsFile::aligned_copy(const void* data, size_t nbytes) {
  // 64-byte aligned, like a fresh allocation for SIMD; at least one byte.
  auto* p = static_cast<std::byte*>(std::aligned_alloc(64, (nbytes + 64) / 64 * 64));
  if (!p) throw std::bad_alloc();
  copies_.emplace_back(p);
  std::memcpy(p, data, nbytes);
  return p;
}

}  // namespace coil
