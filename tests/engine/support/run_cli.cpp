#include "run_cli.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "paths.hpp"

namespace coil::test {

namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
}  // namespace

CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text,
                  const CliLimits& limits) {
  const auto dir = temp_dir();
  const std::string in = (dir / "stdin").string(), out = (dir / "stdout").string(),
                    err = (dir / "stderr").string();
  {
    std::ofstream f(in, std::ios::binary);
    f << stdin_text;
  }
  const std::string exe = cli_path().string();
  const pid_t pid = fork();
  if (pid == 0) {
    const int fi = open(in.c_str(), O_RDONLY);
    const int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fi, 0);
    dup2(fo, 1);
    dup2(fe, 2);
    auto limit = [](int resource, uint64_t bytes) {
      const rlimit r{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
      if (bytes && setrlimit(resource, &r) != 0) _exit(126);
    };
    limit(RLIMIT_AS, limits.address_space_bytes);
    limit(RLIMIT_STACK, limits.stack_bytes);
    if (limits.timeout_s) alarm(limits.timeout_s);  // survives execv: the hang guard
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace coil::test
