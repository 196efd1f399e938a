// coil devices: every backend compiled in and the devices it can use here.
#include <iostream>

#include "cli_common.hpp"
#include "coil/error.hpp"
#include "coil/registry.hpp"

namespace coil::cli {

void register_devices(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "List backends and their devices");
  cmd->callback([] {
    for (const auto& name : compiled_backends()) {
      if (name == "cpu-ref") continue;
      try {
        const auto devices = list_devices(name, engine_defaults().backend_options);
        if (devices.empty()) std::cout << name << ": no device\n";
        for (size_t i = 0; i < devices.size(); ++i)
          std::cout << name << " " << i << ": " << devices[i] << "\n";
      } catch (const Error& e) {
        std::cout << name << ": unavailable: " << e.what() << "\n";
      }
    }
  });
}

}  // namespace coil::cli
