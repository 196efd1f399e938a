// Values to and from JSON: the tojson filter (Python json.dumps, as Hugging Face's
// override of it) and template variables given as JSON.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "value.hpp"

namespace coil::jinja {

struct JsonOptions {
  int indent = -1;  // < 0: one line
  bool sort_keys = false;
  bool ensure_ascii = false;                  // escape non-ASCII as \uXXXX
  std::optional<std::string> item_separator;  // default ", " (one line), "," (indented)
  std::string key_separator = ": ";
};

// json.dumps(value): throws TemplateError for values JSON cannot hold (undefined, functions).
std::string to_json(const Value& value, const JsonOptions& options);

Value from_json(const nlohmann::json& json);
Value from_json(const nlohmann::ordered_json& json);  // keeps key order

}  // namespace coil::jinja
