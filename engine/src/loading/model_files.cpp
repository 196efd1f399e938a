// A model folder opened from disk: config.json + safetensors, bound and validated.
#include "coil/error.hpp"
#include "coil/weights.hpp"

namespace coil {

ModelFiles ModelFiles::open(const std::filesystem::path& dir) {
  return guard(dir.string(), [&] { return open_folder(dir); });
}

ModelFiles ModelFiles::open_folder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error("model folder " + dir.string() + " does not exist or is not a folder");
  const auto config_json = dir / "config.json";
  if (!std::filesystem::exists(config_json, ec))
    throw Error("model folder " + dir.string() + " has no config.json");
  ModelFiles m;
  m.dir = dir;
  m.config = ModelConfig::load(config_json);
  m.store = std::make_unique<TensorStore>(dir);
  m.weights = ModelWeights::bind(m.config, *m.store);
  return m;
}

}  // namespace coil
