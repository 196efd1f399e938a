// `coil`: the command-line tool (a stable contract: tests and benchmarks call it; see
// README, "The coil CLI"). Errors: one line on stderr, non-zero exit, no partial output file.
#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "cli_common.hpp"
#include "coil/environment.hpp"
#include "coil/error.hpp"

#ifdef COIL_HAVE_HUB
#include "download_command.hpp"
#endif

int main(int argc, char** argv) {
#ifdef COIL_HAVE_HUB
  // `coil download` is implemented by the Qt hub client (app/hub); hand it its arguments.
  if (argc >= 2 && std::strcmp(argv[1], "download") == 0)
    return coil::hub::download_command_main(argc - 2, argv + 2);
#endif
  coil::cli::engine_defaults() = coil::model_options_from_environment();  // the COIL_* switches
  CLI::App app{"coil - run Mamba / Falcon-Mamba language models"};
  app.set_version_flag("--version", std::string("coil ") + COIL_VERSION);
  app.add_flag("-v,--verbose", coil::cli::verbose(),
               "Say more (e.g. why the model runs on another backend than asked for)");
  app.require_subcommand(1);
  app.fallthrough();  // -v also after the subcommand
  coil::cli::register_logits(app);
  coil::cli::register_tokenize(app);
  coil::cli::register_generate(app);
  coil::cli::register_chat(app);
  coil::cli::register_bench(app);
  coil::cli::register_devices(app);
  coil::cli::register_quantize(app);
  coil::cli::register_serve(app);
  // Listed here for --help; with the hub client built in, main() hands `coil download` its
  // arguments before this parser runs (`coil download --help` is its own help).
  auto* download = app.add_subcommand(
      "download", "Download a model from Hugging Face into the standard cache (resumable)");
  download->allow_extras();
#ifndef COIL_HAVE_HUB
  download->callback([] {
    throw coil::Error(
        "`coil download` is not available: this coil was built without Qt (COIL_GUI=OFF)");
  });
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "coil: " << coil::printable_utf8(e.what()) << "\n";
    return 2;
  } catch (const coil::Error& e) {
    std::cerr << "coil: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "coil: out of memory\n";
    return 1;
  } catch (const std::exception& e) {  // (the engine throws coil::Error: this is a last resort)
    std::cerr << "coil: " << coil::printable_utf8(e.what()) << "\n";
    return 1;
  }
  coil::cli::print_pending_note(std::cerr);
  return 0;
}
