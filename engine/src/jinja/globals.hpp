// The functions every template can call: raise_exception(), namespace(), range(), dict(),
// strftime_now() (as Hugging Face provides it).
#pragma once
#include <string_view>

#include "value.hpp"

namespace coil::jinja {

// The global named `name`, or nullptr.
const Value* find_global(std::string_view name);

}  // namespace coil::jinja
