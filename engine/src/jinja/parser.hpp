// Parses a chat template into its syntax tree; syntax errors throw coil::Error
// "chat template: <reason> at line L, column C".
#pragma once
#include <string_view>

#include "ast.hpp"

namespace coil::jinja {

Body parse(std::string_view source);

}  // namespace coil::jinja
