// Peak resident set size of this process (Linux /proc), for `coil bench`.
#include <fstream>
#include <string>

#include "coil/bench.hpp"

namespace coil {

size_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

}  // namespace coil
