#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "coil/error.hpp"
#include "coil/utf8.hpp"

namespace coil::fuzz {

std::vector<std::string_view> split_parts(std::string_view input, size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const size_t at = input.find(kPartSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kPartSeparator.size());
  }
  parts.push_back(input);
  parts.resize(n);
  return parts;
}

namespace {

struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/coil-fuzz-XXXXXX";
    if (!::mkdtemp(templ.data())) std::abort();
    dir = templ;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

const std::filesystem::path& scratch_dir() {
  static const Scratch scratch;
  return scratch.dir;
}

std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const auto path = scratch_dir() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
  return path;
}

std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("COIL_FIXTURES")) return env;
  return COIL_FIXTURES_DIR;
}

std::filesystem::path test_data_dir() {
  if (const char* env = std::getenv("COIL_TEST_DATA")) return env;
  return COIL_TEST_DATA_DIR;
}

void check_message(const char* message) {
  if (printable_utf8(message) != message) __builtin_trap();
}

void report_error(const char* message) {
  static const bool verbose = std::getenv("COIL_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "  coil::Error: %s\n", message);
}

void check_utf8(std::string_view text) {
  if (utf8_lossy(text) != text) __builtin_trap();
}

namespace {
// libFuzzer (on Linux) counts every byte of this section as coverage; elsewhere it is unused.
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t g_signals[1 << 13];

uint64_t fnv1a(uint64_t h, unsigned char c) {
  return (h ^ c) * 1099511628211ull;
}
}  // namespace

void signal(uint64_t kind, uint64_t value) {
  uint64_t h = 1469598103934665603ull;
  for (int i = 0; i < 8; ++i) h = fnv1a(h, static_cast<unsigned char>(kind >> (8 * i)));
  for (int i = 0; i < 8; ++i) h = fnv1a(h, static_cast<unsigned char>(value >> (8 * i)));
  uint8_t& counter = g_signals[h % sizeof(g_signals)];
  if (counter < 255) ++counter;
}

void signal_text(uint64_t kind, std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (const char c : text)
    if (c < '0' || c > '9') h = fnv1a(h, static_cast<unsigned char>(c));
  signal(kind, h);
}

}  // namespace coil::fuzz
