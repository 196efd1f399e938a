#include "cli_common.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "coil/error.hpp"

namespace coil::cli {

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) throw Error("--ids: empty item in '" + text + "' (expected e.g. 1,2,3)");
    char* stop = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &stop, 10);
    if (*stop != '\0' || errno != 0 || v < 0 || v > INT32_MAX)
      throw Error("--ids: '" + item + "' is not a token id (expected e.g. 1,2,3)");
    ids.push_back(static_cast<int32_t>(v));
    pos = end + 1;
  }
  return ids;
}

void ModelArgs::add_to(CLI::App* app, bool model_required) {
  auto* m =
      app->add_option("--model", model, "Model folder (config.json + safetensors) or .gguf file");
  if (model_required) m->required();
  app->add_option("--backend", backend, "auto, cpu, vulkan or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cpu-ref", "vulkan", "cuda"}));
  app->add_option("--device", device, "GPU index for vulkan/cuda (see `coil devices`)");
  app->add_option("--threads", threads, "CPU threads (default: physical cores)");
  app->add_option("--chunk", chunk, "Prefill chunk size in tokens")->check(CLI::Range(1, 65536));
}

ModelOptions& engine_defaults() {
  static ModelOptions defaults;
  return defaults;
}

ModelOptions ModelArgs::options() const {
  ModelOptions o = engine_defaults();
  o.backend = backend;
  o.backend_options.device = device;
  o.backend_options.threads = threads;
  o.chunk_size = chunk;
  return o;
}

PendingNote& pending_note() {
  static PendingNote note;
  return note;
}

bool& verbose() {
  static bool on = false;
  return on;
}

void print_pending_note(std::ostream& out) {
  const PendingNote& n = pending_note();
  if (n.reason.empty()) return;
  if (verbose())
    out << "note: ran on " << n.backend << ": " << n.reason << "\n";
  else
    out << "note: ran on " << n.backend << " (no usable GPU found; add -v to see why)\n";
}

std::unique_ptr<Model> open_model(const ModelArgs& args) {
  auto m = Model::open(args.model, args.options());
  if (!m->fallback_reason().empty())
    pending_note() = {m->backend().info().name, m->fallback_reason()};
  return m;
}

std::string format_ms(double ms) {
  char buf[64];
  if (!(ms >= 0) || ms > 1e12) return "?";
  if (ms < 1.0)
    std::snprintf(buf, sizeof buf, "%.0f us", ms * 1000.0);
  else if (ms < 10.0)
    std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  else if (ms < 1000.0)
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  else if (ms < 60000.0)
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000.0);
  else {
    const long long s = static_cast<long long>(ms / 1000.0 + 0.5);
    std::snprintf(buf, sizeof buf, "%lld min %lld s", s / 60, s % 60);
  }
  return buf;
}

}  // namespace coil::cli
