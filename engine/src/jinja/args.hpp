// Typed access to the arguments of a filter, test, method or global function, with
// errors that name the function and the parameter.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "value.hpp"

namespace coil::jinja {

class ArgReader {
 public:
  // Checks there are at most `max_positional` positional arguments and only known keywords.
  ArgReader(std::string_view function, const CallArgs& args, size_t max_positional,
            std::initializer_list<std::string_view> keywords);

  const Value* get(size_t index, std::string_view name) const { return args_.get(index, name); }
  const Value& required(size_t index, std::string_view name) const;
  std::string string(size_t index, std::string_view name, std::string fallback) const;
  std::optional<std::string> optional_string(size_t index, std::string_view name) const;
  int64_t integer(size_t index, std::string_view name, int64_t fallback) const;
  bool boolean(size_t index, std::string_view name, bool fallback) const;

 private:
  std::string function_;
  const CallArgs& args_;
};

}  // namespace coil::jinja
