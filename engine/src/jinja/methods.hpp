// The Python methods templates call on values: str.strip(), .startswith(), .split(),
// .replace(), .title()... and dict.items(), .keys(), .values(), .get().
#pragma once
#include <optional>
#include <string>

#include "value.hpp"

namespace coil::jinja {

// object.name(args); nullopt when `object` has no method `name`.
std::optional<Value> call_method(const Value& object, const std::string& name,
                                 const CallArgs& args);

}  // namespace coil::jinja
