// The one exception type the engine throws. Its message is meant for a person: it names
// the file, tensor or device concerned and says what is wrong.
//
// Messages quote what files contain (names, JSON text, template source), and every file may
// be hostile, so a message is always made valid UTF-8 when the Error is built: a byte that is
// not part of a valid UTF-8 sequence, and a control character other than newline and tab,
// is written as \xNN. The CLI can print it and the app can show it as it is.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace coil {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string_view what);
  explicit Error(const std::string& what) : Error(std::string_view(what)) {}
  explicit Error(const char* what) : Error(std::string_view(what)) {}
};

// `text` with every invalid UTF-8 byte and every control character except \n and \t
// escaped as \xNN (a backslash stays a backslash: the text is for reading, not parsing).
std::string printable_utf8(std::string_view text);

// The error boundary: what a third-party library or the standard library throws while the
// engine reads `source` (nlohmann::json's exceptions, std::stoll's invalid_argument and
// out_of_range, std::length_error, std::bad_alloc...) becomes a coil::Error naming `source`;
// a coil::Error passes through unchanged. Call only inside a catch block.
[[noreturn]] void rethrow_as_error(std::string_view source);

// Runs `fn()` behind the error boundary above: it throws coil::Error and nothing else.
template <class Fn>
decltype(auto) guard(std::string_view source, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (...) {
    rethrow_as_error(source);
  }
}

}  // namespace coil
