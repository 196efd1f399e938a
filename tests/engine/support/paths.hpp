// Where tests find their data: the shared fixtures (never committed here) and our own.
#pragma once
#include <filesystem>
#include <string>

namespace coil::test {

// ../shared/fixtures (COIL_FIXTURES); may be absent on a user's fresh clone.
std::filesystem::path fixtures_dir();
// tests/data inside the repository.
std::filesystem::path test_data_dir();
// The `coil` CLI binary built alongside the tests.
std::filesystem::path cli_path();
// A fresh, empty temporary directory unique to the calling test, removed at exit.
std::filesystem::path temp_dir();

}  // namespace coil::test

// Skips the current test, saying why, when the shared fixtures are not there.
#define COIL_REQUIRE_FIXTURES(sub)                                                            \
  do {                                                                                        \
    if (!std::filesystem::exists(::coil::test::fixtures_dir() / (sub)))                       \
      GTEST_SKIP() << "shared fixtures not found at " << ::coil::test::fixtures_dir() / (sub) \
                   << " (set -DCOIL_FIXTURES=...)";                                           \
  } while (0)
