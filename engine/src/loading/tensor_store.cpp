// All tensors of a model folder: model.safetensors, or the shards that
// model.safetensors.index.json lists (as transformers does, the single file wins when both
// are present).
#include <nlohmann/json.hpp>
#include <set>

#include "coil/error.hpp"
#include "coil/json.hpp"
#include "coil/safetensors.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSingle = "model.safetensors";
constexpr const char* kIndex = "model.safetensors.index.json";

json read_index(const fs::path& index) {
  const std::string file = index.string();
  const json j = read_json_file(index);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error("invalid safetensors index " + file + ": no 'weight_map' object");
  return j;
}

// A shard name from the index must be a plain file name inside the model folder.
bool plain_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\\') == std::string::npos;
}

}  // namespace

TensorStore::TensorStore(const fs::path& model_dir) : dir_(model_dir) {
  guard(model_dir.string(), [&] { open(); });
}

void TensorStore::open() {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw Error("model folder " + dir_.string() + " does not exist or is not a folder");

  if (fs::exists(dir_ / kSingle, ec)) {
    files_.push_back(std::make_unique<SafetensorsFile>(dir_ / kSingle));
    for (const auto& [name, view] : files_.back()->tensors()) all_[name] = &view;
    return;
  }
  const fs::path index = dir_ / kIndex;
  if (!fs::exists(index, ec)) {
    std::string hint;
    for (const char* bin : {"pytorch_model.bin", "pytorch_model.bin.index.json"})
      if (hint.empty() && fs::exists(dir_ / bin, ec))
        hint = std::string(" (found ") + bin +
               ": PyTorch pickles are not supported, convert the model to safetensors)";
    throw Error("no " + std::string(kSingle) + " or " + kIndex + " in model folder " +
                dir_.string() + hint);
  }

  const json j = read_index(index);
  const std::string ifile = index.string();
  // shard -> tensors the index assigns to it
  std::map<std::string, std::set<std::string>> by_shard;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string() || !plain_file_name(it.value().get<std::string>()))
      throw Error("invalid safetensors index " + ifile + ": tensor " + it.key() + " maps to " +
                  json_excerpt(it.value()) + ", not a file name in the model folder");
    by_shard[it.value().get<std::string>()].insert(it.key());
  }
  if (by_shard.empty()) throw Error("invalid safetensors index " + ifile + ": empty weight_map");

  for (const auto& [shard, names] : by_shard) {
    const fs::path p = dir_ / shard;
    if (!fs::exists(p, ec))
      throw Error("shard " + p.string() + " listed in " + ifile + " (for tensor " + *names.begin() +
                  ") is missing");
    files_.push_back(std::make_unique<SafetensorsFile>(p));
    const SafetensorsFile& f = *files_.back();
    for (const auto& name : names)
      if (!f.tensors().count(name))
        throw Error("tensor " + name + " is listed in " + ifile + " as stored in " + p.string() +
                    " but that file does not hold it");
    for (const auto& [name, view] : f.tensors()) {
      if (auto prev = all_.find(name); prev != all_.end())
        throw Error("tensor " + name + " is present in two files: " + prev->second->file.string() +
                    " and " + p.string());
      if (!names.count(name)) {
        auto other = j["weight_map"].find(name);
        throw Error("tensor " + name + " in " + p.string() +
                    (other == j["weight_map"].end()
                         ? " is not listed in " + ifile
                         : " is listed in " + ifile + " as stored in " + other->get<std::string>() +
                               ": it is present in two files"));
      }
      all_[name] = &view;
    }
  }
}

const TensorView* TensorStore::find(const std::string& name) const {
  auto it = all_.find(name);
  return it == all_.end() ? nullptr : it->second;
}

const TensorView& TensorStore::at(const std::string& name) const {
  if (const TensorView* v = find(name)) return *v;
  throw Error("missing tensor " + name + " in " + dir_.string());
}

}  // namespace coil
