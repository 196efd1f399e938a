#include "paths.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <vector>

namespace coil::test {

std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("COIL_FIXTURES")) return env;
  return COIL_FIXTURES_DIR;
}
// COIL_TEST_DATA: the repository's tests/data when the binaries run away from their build
// tree (the GPU machine runs a carried bundle).
std::filesystem::path test_data_dir() {
  if (const char* env = std::getenv("COIL_TEST_DATA")) return env;
  return COIL_TEST_DATA_DIR;
}
std::filesystem::path cli_path() {
  if (const char* env = std::getenv("COIL_CLI")) return env;
  return COIL_CLI_PATH;
}

namespace {
struct TempDirs {
  std::vector<std::filesystem::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};
TempDirs g_temp_dirs;
}  // namespace

std::filesystem::path temp_dir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "coil";
  for (auto& c : name)
    if (c == '/') c = '_';
  auto dir = std::filesystem::temp_directory_path() /
             ("coil-test-" + name + "-" + std::to_string(rd()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  g_temp_dirs.dirs.push_back(dir);
  return dir;
}

}  // namespace coil::test
