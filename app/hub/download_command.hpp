// `coil download REPO_ID [--revision R] [--include GLOB]...`: fills the standard Hugging Face
// cache and prints the snapshot folder as the last line of stdout. Errors: one line on
// stderr and a non-zero exit. This header is Qt-free so that the engine's CLI can call it.
#pragma once

namespace coil::hub {

// argv holds the arguments after "download" (argv[0] is the first of them, not a program
// name). Returns the process exit code: 0 success, 1 failure, 2 bad usage.
int download_command_main(int argc, char** argv);

}  // namespace coil::hub
