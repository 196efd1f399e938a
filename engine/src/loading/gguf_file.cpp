// GGUF reading: the header parsed from the memory-mapped file with every count, length and
// offset checked before use (see coil/gguf.hpp for the layout).

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>

#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/limits.hpp"
#include "loading/shape_text.hpp"

namespace coil {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint64_t kMaxDims = 4;                  // GGML_MAX_DIMS
constexpr uint64_t kMaxNameBytes = 64;            // GGML_MAX_NAME, the spec's tensor name limit
constexpr uint64_t kMaxKeyBytes = 65535;          // the spec's key limit
constexpr uint64_t kMaxArrayElements = 1u << 22;  // all arrays together (a vocab: ~1M in all)
constexpr int kMaxArrayDepth = 4;
constexpr uint64_t kMaxTensors = 1u << 20;

// Text of untrusted bytes for a message: printable UTF-8 (coil/error.hpp), bounded.
std::string printable(std::string_view s) {
  return printable_utf8(s.substr(0, 200)) + (s.size() > 200 ? "..." : "");
}

struct GgmlTypeInfo {
  uint32_t id;
  const char* name;
  uint64_t block;  // values per block (0: size unknown to us)
  uint64_t bytes;  // bytes per block
};

// GGML's tensor types (gguf-py GGMLQuantizationType / GGML_QUANT_SIZES): the sizes let us
// check where a tensor of a type we do not read ends, so that the error names the type.
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},      {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 40},      {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},  {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},  {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},   {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
};

const GgmlTypeInfo* ggml_info(uint32_t id) {
  for (const auto& t : kGgmlTypes)
    if (t.id == id) return &t;
  return nullptr;
}

constexpr std::pair<DType, uint32_t> kDTypeIds[] = {
    {DType::F32, 0},   {DType::F16, 1},   {DType::BF16, 30}, {DType::Q8_0, 8},
    {DType::Q4_0, 2},  {DType::Q4_1, 3},  {DType::Q5_0, 6},  {DType::Q5_1, 7},
    {DType::Q4_K, 12}, {DType::Q5_K, 13}, {DType::Q6_K, 14},
};

// Reads the header from [p, end): every read checks what is left.
class Cursor {
 public:
  Cursor(const uint8_t* begin, uint64_t size, const std::string& file)
      : base_(begin), size_(size), file_(file) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("invalid GGUF file " + file_ + ": " + what);
  }
  void need(uint64_t n, const std::string& what) const {
    if (n > left())
      fail("truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + " but the file has " + std::to_string(left()) + " left");
  }
  template <class T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const std::string& what, uint64_t max_len) {
    const uint64_t n = read<uint64_t>(what + " length");
    if (n > max_len && max_len < left())
      fail(what + " is " + std::to_string(n) + " bytes long, more than the " +
           std::to_string(max_len) + " allowed");
    need(n, what);
    std::string s(reinterpret_cast<const char*>(base_ + pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& file_;
};

bool valid_type(uint32_t t) {
  return t <= static_cast<uint32_t>(GgufType::Float64);
}

bool is_unsigned(GgufType t) {
  return t == GgufType::UInt8 || t == GgufType::UInt16 || t == GgufType::UInt32 ||
         t == GgufType::UInt64;
}
bool is_integer_type(GgufType t) {
  return is_unsigned(t) || t == GgufType::Int8 || t == GgufType::Int16 || t == GgufType::Int32 ||
         t == GgufType::Int64;
}

// Smallest encoding of one element of type t (to bound an array's count by the file size).
uint64_t min_bytes(GgufType t) {
  switch (t) {
    case GgufType::UInt8:
    case GgufType::Int8:
    case GgufType::Bool:
      return 1;
    case GgufType::UInt16:
    case GgufType::Int16:
      return 2;
    case GgufType::UInt32:
    case GgufType::Int32:
    case GgufType::Float32:
      return 4;
    case GgufType::String:
    case GgufType::UInt64:
    case GgufType::Int64:
    case GgufType::Float64:
      return 8;
    case GgufType::Array:
      return 12;
  }
  return 1;
}

class Parser {
 public:
  explicit Parser(Cursor& c) : c_(c) {}

  GgufValue value(GgufType t, const std::string& key, int depth) {
    GgufValue v;
    v.type = t;
    switch (t) {
      case GgufType::UInt8:
        v.u = c_.read<uint8_t>(key);
        break;
      case GgufType::Int8:
        v.i = c_.read<int8_t>(key);
        break;
      case GgufType::UInt16:
        v.u = c_.read<uint16_t>(key);
        break;
      case GgufType::Int16:
        v.i = c_.read<int16_t>(key);
        break;
      case GgufType::UInt32:
        v.u = c_.read<uint32_t>(key);
        break;
      case GgufType::Int32:
        v.i = c_.read<int32_t>(key);
        break;
      case GgufType::UInt64:
        v.u = c_.read<uint64_t>(key);
        break;
      case GgufType::Int64:
        v.i = c_.read<int64_t>(key);
        break;
      case GgufType::Float32:
        v.f = c_.read<float>(key);
        break;
      case GgufType::Float64:
        v.f = c_.read<double>(key);
        break;
      case GgufType::Bool: {
        const uint8_t b = c_.read<uint8_t>(key);
        if (b > 1)
          c_.fail("metadata " + key + ": boolean byte " + std::to_string(b) + " is not 0 or 1");
        v.b = b == 1;
        break;
      }
      case GgufType::String:
        v.str = c_.read_string("metadata " + key, c_.left());
        break;
      case GgufType::Array:
        array(v, key, depth);
        break;
    }
    // integers carry both views: `u` (0 for a negative value) and `i` (saturated)
    if (is_unsigned(t))
      v.i = static_cast<int64_t>(std::min<uint64_t>(v.u, INT64_MAX));
    else if (is_integer_type(t))
      v.u = v.i < 0 ? 0 : static_cast<uint64_t>(v.i);
    return v;
  }

 private:
  void array(GgufValue& v, const std::string& key, int depth) {
    if (depth >= kMaxArrayDepth)
      c_.fail("metadata " + key + ": arrays nested more than " + std::to_string(kMaxArrayDepth) +
              " deep");
    const uint32_t et = c_.read<uint32_t>(key + " element type");
    if (!valid_type(et))
      c_.fail("metadata " + key + ": unknown array element type " + std::to_string(et));
    v.elem = static_cast<GgufType>(et);
    const uint64_t n = c_.read<uint64_t>(key + " element count");
    if (n > c_.left() / min_bytes(v.elem))
      c_.fail("metadata " + key + ": an array of " + std::to_string(n) + " " +
              gguf_type_name(v.elem) + " elements cannot fit in the " + std::to_string(c_.left()) +
              " bytes left in the file");
    elements_ += n;
    if (elements_ > kMaxArrayElements)
      c_.fail("metadata " + key + ": more than " + std::to_string(kMaxArrayElements) +
              " array elements in all");
    const std::string item = key + "[]";
    switch (v.elem) {
      case GgufType::String:
        v.strings.reserve(n);
        for (uint64_t k = 0; k < n; ++k)
          v.strings.push_back(c_.read_string("metadata " + item, c_.left()));
        break;
      case GgufType::Float32:
      case GgufType::Float64:
        v.floats.reserve(n);
        for (uint64_t k = 0; k < n; ++k) v.floats.push_back(value(v.elem, item, depth + 1).f);
        break;
      case GgufType::Array:
        v.arrays.reserve(n);
        for (uint64_t k = 0; k < n; ++k) v.arrays.push_back(value(v.elem, item, depth + 1));
        break;
      default:
        v.ints.reserve(n);
        for (uint64_t k = 0; k < n; ++k) {
          const GgufValue e = value(v.elem, item, depth + 1);
          if (v.elem == GgufType::Bool) {
            v.ints.push_back(e.b ? 1 : 0);
          } else if (v.elem == GgufType::UInt64 && e.u > static_cast<uint64_t>(INT64_MAX)) {
            c_.fail("metadata " + item + ": value " + std::to_string(e.u) + " is out of range");
          } else {
            v.ints.push_back(e.i);
          }
        }
        break;
    }
  }

  Cursor& c_;
  uint64_t elements_ = 0;
};

}  // namespace

const char* gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::UInt8:
      return "uint8";
    case GgufType::Int8:
      return "int8";
    case GgufType::UInt16:
      return "uint16";
    case GgufType::Int16:
      return "int16";
    case GgufType::UInt32:
      return "uint32";
    case GgufType::Int32:
      return "int32";
    case GgufType::Float32:
      return "float32";
    case GgufType::Bool:
      return "bool";
    case GgufType::String:
      return "string";
    case GgufType::Array:
      return "array";
    case GgufType::UInt64:
      return "uint64";
    case GgufType::Int64:
      return "int64";
    case GgufType::Float64:
      return "float64";
  }
  return "?";
}

bool GgufValue::is_integer() const {
  return is_integer_type(type);
}

uint64_t GgufValue::array_size() const {
  return strings.size() + ints.size() + floats.size() + arrays.size();
}

std::optional<DType> dtype_from_ggml(uint32_t id) {
  for (const auto& [dt, gid] : kDTypeIds)
    if (gid == id) return dt;
  return std::nullopt;
}

uint32_t ggml_type_of(DType t) {
  for (const auto& [dt, gid] : kDTypeIds)
    if (dt == t) return gid;
  throw Error(std::string("internal: no GGUF type for ") + dtype_name(t));
}

std::string ggml_type_name(uint32_t id) {
  if (const GgmlTypeInfo* t = ggml_info(id)) return t->name;
  return "unknown type " + std::to_string(id);
}

std::string gguf_file_type_name(uint64_t t) {
  // gguf-py's LlamaFileType (4-6 and 33-35 were removed upstream and are not named)
  static constexpr std::pair<uint64_t, const char*> kNames[] = {
      {0, "F32"},      {1, "F16"},      {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
      {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
      {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
      {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
      {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"}, {26, "IQ3_S"},  {27, "IQ3_M"},
      {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
      {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4"}};
  for (const auto& [id, name] : kNames)
    if (id == t) return name;
  return {};
}

GgufHeaderProbe probe_gguf_header(const uint8_t* data, size_t size, const std::string& what) {
  GgufHeaderProbe out;
  Cursor c(data, size, what);
  if (size < 24)
    c.fail("truncated: " + std::to_string(size) + " bytes, shorter than the 24-byte header");
  if (c.read<uint32_t>("magic") != kMagic) c.fail("it does not start with the GGUF magic bytes");
  out.version = c.read<uint32_t>("version");
  if (out.version != 2 && out.version != 3)
    c.fail("unknown GGUF version " + std::to_string(out.version) +
           " (Coil reads versions 2 and 3)");
  c.read<uint64_t>("tensor count");
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  Parser parser(c);
  try {
    for (uint64_t k = 0; k < n_kv; ++k) {
      const std::string key = c.read_string("metadata key", kMaxKeyBytes);
      const uint32_t t = c.read<uint32_t>("metadata type");
      if (!valid_type(t)) return out;
      const GgufValue v = parser.value(static_cast<GgufType>(t), printable(key), 0);
      if (key == "general.architecture" && t == static_cast<uint32_t>(GgufType::String))
        out.architecture = printable(v.str);
      else if (key == "general.name" && t == static_cast<uint32_t>(GgufType::String))
        out.name = printable(v.str);
      else if (key == "general.file_type" && v.is_integer())
        out.file_type = v.u;
    }
  } catch (const Error&) {
    return out;  // the prefix ends (or the rest is malformed): what was read stands
  }
  out.complete = true;
  return out;
}

bool is_gguf_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

GgufFile::GgufFile(const std::filesystem::path& path) : path_(path), map_(path, "GGUF file ") {
  const std::string file = path.string();
  const uint64_t size = map_.size();
  if (size < 24)
    throw Error("invalid GGUF file " + file + ": truncated: " + std::to_string(size) +
                " bytes, shorter than the 24-byte header");
  try {
    Cursor c(map_.data(), size, file);
    const uint32_t magic = c.read<uint32_t>("magic");
    if (magic != kMagic) c.fail("it does not start with the GGUF magic bytes");
    version_ = c.read<uint32_t>("version");
    if (version_ == 0x03000000 || version_ == 0x02000000)
      c.fail("it is a big-endian GGUF, which Coil does not read");
    if (version_ == 1) c.fail("GGUF version 1 is not supported (convert the model again)");
    if (version_ != 2 && version_ != 3)
      c.fail("unknown GGUF version " + std::to_string(version_) + " (Coil reads versions 2 and 3)");
    const uint64_t n_tensors = c.read<uint64_t>("tensor count");
    const uint64_t n_kv = c.read<uint64_t>("metadata count");
    // a key/value takes at least 8 + 1 + 4 + 1 bytes, a tensor info at least 8 + 1 + 4 + 4 + 8
    if (n_kv > c.left() / 14)
      c.fail("it claims " + std::to_string(n_kv) + " metadata entries, more than its " +
             std::to_string(size) + " bytes can hold");
    if (n_tensors > kMaxTensors || n_tensors > c.left() / 25)
      c.fail("it claims " + std::to_string(n_tensors) + " tensors, more than its " +
             std::to_string(size) + " bytes can hold");

    Parser parser(c);
    for (uint64_t k = 0; k < n_kv; ++k) {
      std::string key = c.read_string("metadata key " + std::to_string(k), kMaxKeyBytes);
      const std::string shown = printable(key);
      const uint32_t t = c.read<uint32_t>("type of metadata " + shown);
      if (!valid_type(t))
        c.fail("metadata " + shown + " has unknown value type " + std::to_string(t));
      GgufValue v = parser.value(static_cast<GgufType>(t), shown, 0);
      if (kv_.count(key)) c.fail("metadata " + shown + " appears twice");
      kv_.emplace(std::move(key), std::move(v));
    }
    if (const GgufValue* a = find("general.alignment")) {
      if (a->type != GgufType::UInt32)
        c.fail(std::string("general.alignment is a ") + gguf_type_name(a->type) + ", not a uint32");
      if (a->u == 0 || (a->u & (a->u - 1)) != 0)
        c.fail("general.alignment " + std::to_string(a->u) + " is not a power of two");
      alignment_ = a->u;
    } else {
      alignment_ = kDefaultAlignment;
    }

    infos_.reserve(n_tensors);
    for (uint64_t k = 0; k < n_tensors; ++k) {
      GgufTensorInfo ti;
      ti.name = c.read_string("name of tensor " + std::to_string(k), kMaxNameBytes);
      const std::string shown = printable(ti.name);
      const uint32_t n_dims = c.read<uint32_t>("dimension count of tensor " + shown);
      if (n_dims == 0 || n_dims > kMaxDims)
        c.fail("tensor " + shown + " has " + std::to_string(n_dims) +
               " dimensions (1 to 4 allowed)");
      uint64_t numel = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t ne = c.read<uint64_t>("dimensions of tensor " + shown);
        if (ne == 0 || ne > static_cast<uint64_t>(INT64_MAX) || !mul_fits(numel, ne, &numel) ||
            numel > static_cast<uint64_t>(INT64_MAX))
          c.fail("tensor " + shown + " has an impossible dimension " + std::to_string(ne));
        ti.ne.push_back(ne);
      }
      ti.ggml_type = c.read<uint32_t>("type of tensor " + shown);
      ti.offset = c.read<uint64_t>("data offset of tensor " + shown);
      const GgmlTypeInfo* gt = ggml_info(ti.ggml_type);
      if (!gt) c.fail("tensor " + shown + " has " + ggml_type_name(ti.ggml_type));
      if (ti.ne[0] % gt->block != 0)
        c.fail("tensor " + shown + " has rows of " + std::to_string(ti.ne[0]) +
               " values, not a "
               "whole number of " +
               gt->name + " blocks of " + std::to_string(gt->block));
      if (!mul_fits(numel / gt->block, gt->bytes, &ti.nbytes))
        c.fail("tensor " + shown + " is impossibly large");
      if (ti.offset % alignment_ != 0)
        c.fail("tensor " + shown + " has data offset " + std::to_string(ti.offset) +
               ", not a multiple of the alignment " + std::to_string(alignment_));
      infos_.push_back(std::move(ti));
    }
    // the data section starts at the next multiple of the alignment
    const uint64_t pad = (alignment_ - c.pos() % alignment_) % alignment_;
    if (n_tensors > 0 && pad > c.left()) c.fail("truncated: the file ends before its tensor data");
    data_start_ = c.pos() + std::min(pad, c.left());
    const uint64_t data_size = size - data_start_;

    // inside the data section, and no two overlapping
    std::vector<const GgufTensorInfo*> by_offset;
    for (const auto& ti : infos_) {
      const std::string shown = printable(ti.name);
      if (ti.offset > data_size || ti.nbytes > data_size - ti.offset)
        c.fail("tensor " + shown + " (" + std::to_string(ti.nbytes) + " bytes at data offset " +
               std::to_string(ti.offset) +
               ") extends past the end of the file, whose data "
               "section holds " +
               std::to_string(data_size) + " bytes (truncated?)");
      by_offset.push_back(&ti);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](auto* a, auto* b) { return a->offset < b->offset; });
    for (size_t k = 1; k < by_offset.size(); ++k)
      if (by_offset[k - 1]->offset + by_offset[k - 1]->nbytes > by_offset[k]->offset)
        c.fail("tensors " + printable(by_offset[k - 1]->name) + " and " +
               printable(by_offset[k]->name) + " overlap in the data section");

    std::set<std::string_view> names;
    for (const auto& ti : infos_) {
      if (!names.insert(ti.name).second) c.fail("tensor " + printable(ti.name) + " appears twice");
      const std::optional<DType> dt = dtype_from_ggml(ti.ggml_type);
      if (!dt) continue;  // refused when used: find_tensor names the type
      TensorView v;
      v.name = ti.name;
      v.dtype = *dt;
      for (auto it = ti.ne.rbegin(); it != ti.ne.rend(); ++it)
        v.shape.push_back(static_cast<int64_t>(*it));
      v.data = map_.data() + data_start_ + ti.offset;
      v.nbytes = static_cast<size_t>(ti.nbytes);
      v.file_mapped = true;
      // Kernels read values and block structs in place: a general.alignment below their
      // alignment (llama.cpp writes 32) could put them at odd addresses. Refused, not read.
      if (reinterpret_cast<uintptr_t>(v.data) % dtype_alignment(*dt) != 0)
        c.fail("tensor " + printable(ti.name) + " (" + dtype_name(*dt) +
               ") starts at file offset " + std::to_string(data_start_ + ti.offset) +
               ", not a multiple of the " + std::to_string(dtype_alignment(*dt)) +
               " bytes its values need (general.alignment " + std::to_string(alignment_) + ")");
      v.file = path_;
      views_.emplace(ti.name, std::move(v));
    }
  } catch (...) {
    rethrow_as_error(file);  // a coil::Error as it is; anything else (bad_alloc) becomes one
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

namespace {
[[noreturn]] void wrong_type(const GgufFile& f, const std::string& key, const GgufValue& v,
                             const char* want) {
  std::string got = gguf_type_name(v.type);
  if (v.is_array()) got += std::string(" of ") + gguf_type_name(v.elem);
  throw Error("invalid GGUF file " + f.path().string() + ": metadata " + key + " is a " + got +
              ", expected " + want);
}
}  // namespace

std::optional<uint64_t> GgufFile::get_uint(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_integer()) wrong_type(*this, key, *v, "an integer");
  if (v->i < 0)
    throw Error("invalid GGUF file " + path_.string() + ": metadata " + key + " is negative (" +
                std::to_string(v->i) + ")");
  return v->u;
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == GgufType::Float32 || v->type == GgufType::Float64) return v->f;
  if (v->is_integer())
    return is_unsigned(v->type) ? static_cast<double>(v->u) : static_cast<double>(v->i);
  wrong_type(*this, key, *v, "a number");
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::Bool) wrong_type(*this, key, *v, "a bool");
  return v->b;
}

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::String) wrong_type(*this, key, *v, "a string");
  return v->str;
}

const std::vector<std::string>* GgufFile::get_string_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (!v->is_array() || v->elem != GgufType::String)
    wrong_type(*this, key, *v, "an array of strings");
  return &v->strings;
}

const std::vector<int64_t>* GgufFile::get_int_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (!v->is_array() || !(v->elem == GgufType::Bool || is_integer_type(v->elem)))
    wrong_type(*this, key, *v, "an array of integers");
  return &v->ints;
}

const std::vector<double>* GgufFile::get_float_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (!v->is_array() || (v->elem != GgufType::Float32 && v->elem != GgufType::Float64))
    wrong_type(*this, key, *v, "an array of floats");
  return &v->floats;
}

const TensorView* GgufFile::find_tensor(const std::string& name) const {
  auto it = views_.find(name);
  if (it != views_.end()) return &it->second;
  for (const auto& ti : infos_)
    if (ti.name == name)
      throw Error("tensor " + printable(name) + " in " + path_.string() + " has type " +
                  ggml_type_name(ti.ggml_type) +
                  ", which Coil does not read (it reads F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                  "Q5_1, Q4_K, Q5_K and Q6_K)");
  return nullptr;
}

const GgufTensorInfo* GgufFile::first_unsupported() const {
  for (const auto& ti : infos_)
    if (!dtype_from_ggml(ti.ggml_type)) return &ti;
  return nullptr;
}

}  // namespace coil
