// Helpers shared by the `coil` subcommands.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "coil/model.hpp"

namespace coil::cli {

// "1,2,3" -> {1, 2, 3}; throws coil::Error on anything else.
std::vector<int32_t> parse_ids(const std::string& text);

// Options every model-running subcommand takes.
struct ModelArgs {
  std::string model;
  std::string backend = "auto";
  int device = -1;
  int threads = 0;
  int64_t chunk = 256;
  void add_to(CLI::App* app, bool model_required = true);
  ModelOptions options() const;
};

// The engine options every command starts from: main() reads them from the COIL_*
// environment (coil/environment.hpp) before parsing the command line.
ModelOptions& engine_defaults();

// Opens the model. When the backend fell back, the reason is kept in pending_note(), which
// main() prints after a successful run (a failed run prints only its one error line): one
// short line, and the engine's full reason only with -v.
std::unique_ptr<Model> open_model(const ModelArgs& args);
struct PendingNote {
  std::string backend;  // the backend that ran
  std::string reason;   // why not the one asked for (the engine's words, long)
};
PendingNote& pending_note();
void print_pending_note(std::ostream& out);
bool& verbose();  // -v, --verbose

// "812 us", "3.42 ms", "1.25 s", "2 min 5 s": a duration for people.
std::string format_ms(double ms);

void register_logits(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_generate(CLI::App& app);
void register_chat(CLI::App& app);
void register_bench(CLI::App& app);
void register_devices(CLI::App& app);
void register_quantize(CLI::App& app);
void register_serve(CLI::App& app);

}  // namespace coil::cli
