#include "safetensors_writer.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "coil/config.hpp"
#include "coil/safetensors.hpp"

namespace coil::test {

namespace fs = std::filesystem;
using nlohmann::json;

std::string safetensors_header(const std::vector<TensorData>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  json h = json::object();
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    h[t.name] = {{"dtype", t.dtype},
                 {"shape", t.shape},
                 {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  if (!metadata.empty()) h["__metadata__"] = metadata;
  std::string s = h.dump();
  while (s.size() % 8) s += ' ';
  return s;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_safetensors(const fs::path& path, const std::vector<TensorData>& tensors,
                       const std::optional<std::string>& raw_header) {
  const std::string header = raw_header ? *raw_header : safetensors_header(tensors);
  std::string bytes;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((n >> (8 * i)) & 0xff);
  bytes += header;
  for (const auto& t : tensors) bytes.append(t.bytes.begin(), t.bytes.end());
  write_file(path, bytes);
}

TensorData make_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape) {
  TensorData t{name, dtype_name(dtype), std::move(shape), {}};
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(name)));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  t.bytes.resize(static_cast<size_t>(n) * dtype_size(dtype));
  for (int64_t i = 0; i < n; ++i) {
    const float x = dist(rng);
    uint8_t* dst = t.bytes.data() + i * dtype_size(dtype);
    switch (dtype) {
      case DType::F32:
        std::memcpy(dst, &x, 4);
        break;
      case DType::F16: {
        const uint16_t h = f32_to_f16(x);
        std::memcpy(dst, &h, 2);
        break;
      }
      case DType::BF16: {
        const uint16_t h = f32_to_bf16(x);
        std::memcpy(dst, &h, 2);
        break;
      }
      case DType::I32: {
        const int32_t v = static_cast<int32_t>(x * 1000);
        std::memcpy(dst, &v, 4);
        break;
      }
      default:  // block types: safetensors has none (dtype_size above refused them)
        break;
    }
  }
  return t;
}

std::vector<TensorData> read_tensors(const SafetensorsFile& file) {
  std::vector<TensorData> out;
  for (const auto& [name, v] : file.tensors()) {
    const auto* p = static_cast<const uint8_t*>(v.data);
    out.push_back({name, dtype_name(v.dtype), v.shape, std::vector<uint8_t>(p, p + v.nbytes)});
  }
  return out;
}

std::vector<TensorData> model_tensors(const ModelConfig& c, DType dtype) {
  const int64_t V = c.vocab_size, H = c.hidden_size, D = c.intermediate_size, N = c.state_size,
                K = c.conv_kernel, R = c.time_step_rank;
  std::vector<TensorData> t;
  t.push_back(make_tensor("backbone.embeddings.weight", dtype, {V, H}));
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    const std::string m = p + "mixer.";
    t.push_back(make_tensor(p + "norm.weight", dtype, {H}));
    t.push_back(make_tensor(m + "in_proj.weight", dtype, {2 * D, H}));
    if (c.use_bias) t.push_back(make_tensor(m + "in_proj.bias", dtype, {2 * D}));
    t.push_back(make_tensor(m + "conv1d.weight", dtype, {D, 1, K}));
    if (c.use_conv_bias) t.push_back(make_tensor(m + "conv1d.bias", dtype, {D}));
    t.push_back(make_tensor(m + "x_proj.weight", dtype, {R + 2 * N, D}));
    t.push_back(make_tensor(m + "dt_proj.weight", dtype, {D, R}));
    t.push_back(make_tensor(m + "dt_proj.bias", dtype, {D}));
    t.push_back(make_tensor(m + "A_log", dtype, {D, N}));
    t.push_back(make_tensor(m + "D", dtype, {D}));
    t.push_back(make_tensor(m + "out_proj.weight", dtype, {H, D}));
    if (c.use_bias) t.push_back(make_tensor(m + "out_proj.bias", dtype, {H}));
  }
  t.push_back(make_tensor("backbone.norm_f.weight", dtype, {H}));
  if (!c.tie_word_embeddings) t.push_back(make_tensor("lm_head.weight", dtype, {V, H}));
  return t;
}

void write_model(const fs::path& dir, const json& config, const std::vector<TensorData>& tensors) {
  fs::create_directories(dir);
  write_file(dir / "config.json", config.dump(2));
  write_safetensors(dir / "model.safetensors", tensors);
}

std::vector<std::string> write_sharded(const fs::path& dir, const std::vector<TensorData>& tensors,
                                       int n_shards) {
  fs::create_directories(dir);
  std::vector<std::string> names;
  std::vector<std::vector<TensorData>> shards(static_cast<size_t>(n_shards));
  json weight_map = json::object();
  for (int s = 0; s < n_shards; ++s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05d-of-%05d.safetensors", s + 1, n_shards);
    names.emplace_back(buf);
  }
  for (size_t k = 0; k < tensors.size(); ++k) {
    const size_t s = k % static_cast<size_t>(n_shards);
    shards[s].push_back(tensors[k]);
    weight_map[tensors[k].name] = names[s];
  }
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.bytes.size();
  for (int s = 0; s < n_shards; ++s) write_safetensors(dir / names[s], shards[s]);
  json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file(dir / "model.safetensors.index.json", index.dump(2));
  return names;
}

}  // namespace coil::test
