// The compute shaders, compiled to SPIR-V at build time (shaders/*.comp -> glslc) and
// embedded by cmake/embed_spirv.cmake into a generated source file.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace coil::vk {

// Words of the shader `name` (file name without .comp, "_sg" suffix for the subgroup
// variant); empty if there is none.
std::span<const uint32_t> find_spirv(std::string_view name);

}  // namespace coil::vk
