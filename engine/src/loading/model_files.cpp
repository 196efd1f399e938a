// A model opened from disk: a folder (config.json + safetensors) or a GGUF file, bound and
// validated.
#include "coil/error.hpp"
#include "coil/weights.hpp"

namespace coil {

ModelFiles ModelFiles::open(const std::filesystem::path& path) {
  return guard(path.string(), [&] { return open_path(path); });
}

ModelFiles ModelFiles::open_path(const std::filesystem::path& path) {
  std::error_code ec;
  ModelFiles m;
  m.dir = path;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (!is_gguf_file(path))
      throw Error(path.string() +
                  " is neither a model folder nor a GGUF file (it does not start with GGUF)");
    m.gguf = std::make_unique<GgufFile>(path);
    m.config = ModelConfig::from_gguf(*m.gguf);
    m.weights = ModelWeights::bind_gguf(m.config, *m.gguf);
    return m;
  }
  if (!std::filesystem::is_directory(path, ec))
    throw Error("model folder " + path.string() + " does not exist or is not a folder");
  const auto config_json = path / "config.json";
  if (!std::filesystem::exists(config_json, ec))
    throw Error("model folder " + path.string() + " has no config.json");
  m.config = ModelConfig::load(config_json);
  m.store = std::make_unique<TensorStore>(path);
  m.weights = ModelWeights::bind(m.config, *m.store);
  return m;
}

}  // namespace coil
