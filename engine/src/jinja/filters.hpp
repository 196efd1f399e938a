// Jinja filters (`x | name(args)`) and tests (`x is name(args)`): the ones Hugging Face chat
// templates use. Failures throw TemplateError.
#pragma once
#include <string>
#include <string_view>

#include "value.hpp"

namespace coil::jinja {

bool is_filter(std::string_view name);
Value apply_filter(std::string_view name, const Value& value, const CallArgs& args);

bool is_test(std::string_view name);
bool apply_test(std::string_view name, const Value& value, const CallArgs& args);

// The value at a dotted `attribute=` path ("a.b", "items.0") as the filters take it.
Value attribute_path(const Value& value, const std::string& path);

}  // namespace coil::jinja
