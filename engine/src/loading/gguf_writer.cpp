// GgufWriter: header, metadata, tensor infos, then each tensor's data, aligned.
#include "coil/gguf_writer.hpp"

#include <memory>

#include "coil/atomic_file.hpp"
#include "coil/error.hpp"

namespace coil {
namespace {

constexpr uint64_t kAlignment = 32;

// The bytes of the file, in order, to the atomic writer's sink; pos_ for the alignment.
class Out {
 public:
  explicit Out(const WriteSink& sink) : sink_(sink) {}
  template <class T>
  void put(T v) {
    bytes(&v, sizeof v);
  }
  void bytes(const void* p, size_t n) {
    sink_(p, n);
    pos_ += n;
  }
  void str(const std::string& s) {
    put<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void pad() {
    static const char zeros[kAlignment] = {};
    bytes(zeros, (kAlignment - pos_ % kAlignment) % kAlignment);
  }

 private:
  const WriteSink& sink_;
  uint64_t pos_ = 0;
};

void put_scalar(Out& o, GgufType t, const GgufValue& v) {
  switch (t) {
    case GgufType::UInt8:
      o.put<uint8_t>(static_cast<uint8_t>(v.u));
      break;
    case GgufType::Int8:
      o.put<int8_t>(static_cast<int8_t>(v.i));
      break;
    case GgufType::UInt16:
      o.put<uint16_t>(static_cast<uint16_t>(v.u));
      break;
    case GgufType::Int16:
      o.put<int16_t>(static_cast<int16_t>(v.i));
      break;
    case GgufType::UInt32:
      o.put<uint32_t>(static_cast<uint32_t>(v.u));
      break;
    case GgufType::Int32:
      o.put<int32_t>(static_cast<int32_t>(v.i));
      break;
    case GgufType::UInt64:
      o.put<uint64_t>(v.u);
      break;
    case GgufType::Int64:
      o.put<int64_t>(v.i);
      break;
    case GgufType::Float32:
      o.put<float>(static_cast<float>(v.f));
      break;
    case GgufType::Float64:
      o.put<double>(v.f);
      break;
    case GgufType::Bool:
      o.put<uint8_t>(v.b ? 1 : 0);
      break;
    case GgufType::String:
      o.str(v.str);
      break;
    case GgufType::Array:
      break;  // put_value
  }
}

void put_value(Out& o, const GgufValue& v) {
  if (v.type != GgufType::Array) return put_scalar(o, v.type, v);
  o.put<uint32_t>(static_cast<uint32_t>(v.elem));
  o.put<uint64_t>(v.array_size());
  GgufValue e;
  switch (v.elem) {
    case GgufType::String:
      for (const auto& s : v.strings) o.str(s);
      break;
    case GgufType::Float32:
    case GgufType::Float64:
      for (double f : v.floats) {
        e.f = f;
        put_scalar(o, v.elem, e);
      }
      break;
    case GgufType::Array:
      for (const auto& a : v.arrays) put_value(o, a);
      break;
    default:
      for (int64_t i : v.ints) {
        e.i = i;
        e.u = static_cast<uint64_t>(i);
        e.b = i != 0;
        put_scalar(o, v.elem, e);
      }
      break;
  }
}

GgufValue scalar(GgufType t) {
  GgufValue v;
  v.type = t;
  return v;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue v) {
  for (auto& [k, old] : kv_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  kv_.emplace_back(key, std::move(v));
}

void GgufWriter::set_u32(const std::string& key, uint32_t x) {
  GgufValue v = scalar(GgufType::UInt32);
  v.u = x;
  v.i = x;
  set(key, std::move(v));
}

void GgufWriter::set_f32(const std::string& key, float x) {
  GgufValue v = scalar(GgufType::Float32);
  v.f = x;
  set(key, std::move(v));
}

void GgufWriter::set_bool(const std::string& key, bool x) {
  GgufValue v = scalar(GgufType::Bool);
  v.b = x;
  set(key, std::move(v));
}

void GgufWriter::set_string(const std::string& key, std::string x) {
  GgufValue v = scalar(GgufType::String);
  v.str = std::move(x);
  set(key, std::move(v));
}

void GgufWriter::set_strings(const std::string& key, std::vector<std::string> x) {
  GgufValue v = scalar(GgufType::Array);
  v.elem = GgufType::String;
  v.strings = std::move(x);
  set(key, std::move(v));
}

void GgufWriter::set_i32s(const std::string& key, std::vector<int64_t> x) {
  GgufValue v = scalar(GgufType::Array);
  v.elem = GgufType::Int32;
  v.ints = std::move(x);
  set(key, std::move(v));
}

bool GgufWriter::has(const std::string& key) const {
  for (const auto& [k, v] : kv_)
    if (k == key) return true;
  return false;
}

void GgufWriter::add_tensor(std::string name, DType dtype, std::vector<int64_t> shape, Fill fill) {
  if (shape.empty() || shape.size() > 4)
    throw Error("internal: tensor " + name + " of " + std::to_string(shape.size()) + " dimensions");
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= shape[d];
  const uint64_t nbytes = dtype_tensor_bytes(dtype, rows, shape.back());
  tensors_.push_back({std::move(name), dtype, std::move(shape), std::move(fill), nbytes});
}

void GgufWriter::write(const std::filesystem::path& path) const {
  write_file_atomically(path, [&](const WriteSink& sink) {
    Out o(sink);
    o.put<uint32_t>(0x46554747);  // "GGUF"
    o.put<uint32_t>(3);
    o.put<uint64_t>(tensors_.size());
    o.put<uint64_t>(kv_.size());
    for (const auto& [key, v] : kv_) {
      o.str(key);
      o.put<uint32_t>(static_cast<uint32_t>(v.type));
      put_value(o, v);
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
      o.str(t.name);
      o.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
      for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) o.put<uint64_t>(*it);
      o.put<uint32_t>(ggml_type_of(t.dtype));
      o.put<uint64_t>(offset);
      offset += (t.nbytes + kAlignment - 1) / kAlignment * kAlignment;
    }
    o.pad();
    for (const auto& t : tensors_) {
      std::unique_ptr<uint8_t[]> buf(new uint8_t[t.nbytes]);
      t.fill(buf.get());
      o.bytes(buf.get(), t.nbytes);
      o.pad();
    }
  });
}

}  // namespace coil
