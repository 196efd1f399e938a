// `coil download` as its own process (the same entry point the coil CLI calls), so that a
// test can kill it with SIGKILL mid-download and run it again.
#include "download_command.hpp"

int main(int argc, char** argv) {
  return coil::hub::download_command_main(argc - 1, argv + 1);
}
