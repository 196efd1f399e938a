// The Vulkan backend (kernels/vulkan): the whole Mamba forward pass on any Vulkan 1.1+
// device, GLSL compute shaders compiled to SPIR-V at build time and embedded.
//
// The Vulkan loader is opened at run time, so a binary built with this backend still runs
// (on the CPU) where there is no Vulkan at all. BackendOptions::vulkan_validation turns on
// VK_LAYER_KHRONOS_validation (any message it reports becomes a coil::Error at the next
// synchronization point); BackendOptions::vulkan_subgroups false uses the shared-memory
// fallbacks instead of subgroup operations.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "coil/backend.hpp"

namespace coil {

// Throws coil::Error("Vulkan: ...") naming the device and the reason when it cannot run.
std::unique_ptr<Backend> create_vulkan_backend(const BackendOptions& opts);
// One line per Vulkan device: name, type, memory, subgroup size, driver, API version.
std::vector<DeviceDescription> describe_vulkan_devices();
std::vector<std::string> list_vulkan_devices();  // their texts

// Diagnostics for tests: whether `be` (a Vulkan backend) runs with the validation layer
// and its debug messenger active, and whether it uses subgroup operations.
bool vulkan_validation_active(const Backend& be);
bool vulkan_uses_subgroups(const Backend& be);

}  // namespace coil
