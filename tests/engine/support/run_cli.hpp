// Runs the `coil` binary with arguments and captures its exit code, stdout and stderr.
#pragma once
#include <string>
#include <vector>

namespace coil::test {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Arguments are passed without a shell (no quoting issues). `stdin_text` is fed to stdin.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace coil::test
