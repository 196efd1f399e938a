// What the fuzz targets share: scratch files (the loaders read paths), splitting an input
// into the files a target needs, and the oracle every target applies: whatever the input,
// the engine throws coil::Error (with a valid UTF-8 message) and nothing else. Any other
// exception escapes LLVMFuzzerTestOneInput, and libFuzzer (or the replay runner) reports it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "coil/error.hpp"

namespace coil::fuzz {

// Separates the parts of a multi-part input (e.g. config.json, then model.safetensors):
// see split_parts. It is in each target's dictionary.
inline constexpr std::string_view kPartSeparator = "\n@@COIL@@\n";

// The first `n` parts of `input` cut at kPartSeparator; missing parts are empty, and the
// last part keeps any further separators.
std::vector<std::string_view> split_parts(std::string_view input, size_t n);

// A folder for this process's scratch files, created once (under $TMPDIR, removed at exit).
const std::filesystem::path& scratch_dir();
// Writes `bytes` to scratch_dir() / name and returns the path.
std::filesystem::path write_scratch(const std::string& name, std::string_view bytes);

// The shared fixtures (COIL_FIXTURES, else the path CMake compiled in) and tests/data.
std::filesystem::path fixtures_dir();
std::filesystem::path test_data_dir();

// Traps unless `message` is valid UTF-8 without control characters other than \n and \t
// (what coil::Error promises).
void check_message(const char* message);
// Prints `message` to stderr when the environment sets COIL_FUZZ_VERBOSE (to see why seeds
// or reproducers are refused).
void report_error(const char* message);
// Traps unless `text` is valid UTF-8.
void check_utf8(std::string_view text);

// A signal that libFuzzer counts like coverage (one of its extra counters): what an input got
// out of a reader that is a system library without coverage instrumentation (poppler, Qt's
// HTML parser, libsentencepiece), so that inputs that get further into it are kept. `kind`
// keeps kinds of signal apart; the replay runner ignores them.
void signal(uint64_t kind, uint64_t value);
// The same for a text, its digits left out (an error message without offsets and counts).
void signal_text(uint64_t kind, std::string_view text);

// Runs `fn`: a coil::Error is an expected outcome for a hostile input (its message is checked,
// and printed when COIL_FUZZ_VERBOSE is set); anything else propagates out of the target, and
// libFuzzer reports it.
template <class Fn>
void expect_errors(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    check_message(e.what());
    report_error(e.what());
  }
}

}  // namespace coil::fuzz
