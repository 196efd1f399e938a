// Runs the `coil` binary with arguments and captures its exit code, stdout and stderr.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace coil::test {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// Resource limits for the child process, as `prlimit --as=A --stack=S timeout T coil ...`
// would set them (0: no limit). A child killed by the hang guard exits 128 + SIGALRM.
struct CliLimits {
  uint64_t address_space_bytes = 0;
  uint64_t stack_bytes = 0;  // the main thread's, and by glibc's default every thread's
  unsigned timeout_s = 0;
};

// Arguments are passed without a shell (no quoting issues). `stdin_text` is fed to stdin.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = "",
                  const CliLimits& limits = {});

}  // namespace coil::test
