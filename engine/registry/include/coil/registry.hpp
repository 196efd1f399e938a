// The backend registry (coil_registry): which backends this binary has, creating one by
// name, the automatic choice with its fallbacks, and the self-check a GPU backend passes
// before it is trusted with a model. The one library that knows every backend.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coil/backend.hpp"

namespace coil {

// Backends compiled into this binary, e.g. {"cpu", "cpu-ref", "vulkan", "cuda"}.
std::vector<std::string> compiled_backends();
// Creates a backend by name ("cpu", "cpu-ref", "vulkan", "cuda"). Throws coil::Error with
// a reason a person understands when it cannot run here (not compiled in, no driver, no
// device, driver too old...).
std::unique_ptr<Backend> create_backend(const std::string& name, const BackendOptions& opts);
// Every device of a backend (none if it cannot run here). `opts` matter to the CPU backends
// (threads, instruction set), whose one device is described as created with them.
std::vector<DeviceDescription> describe_devices(const std::string& backend_name,
                                                const BackendOptions& opts = {});
// The text of each device of a backend (for `coil devices` and the settings page).
std::vector<std::string> list_devices(const std::string& backend_name,
                                      const BackendOptions& opts = {});

// Which backend to create and how.
struct BackendChoice {
  // "auto" (CUDA, then a GPU through Vulkan, then CPU), "cpu", "cpu-ref", "vulkan", "cuda".
  std::string backend = "auto";
  BackendOptions options;
  // A backend asked for by name that cannot run: an error, or (true) the CPU instead.
  bool allow_fallback = false;
  // A GPU backend passes self_check() before it is used (COIL_SELF_CHECK=0 turns it off).
  bool self_check = true;
  // The op whose result the self-check counts as wrong (COIL_SELF_CHECK_FAULT; tests).
  std::string self_check_fault;
};

// What a model's weights ask of a backend: each op with the weight dtype it runs it on.
using WeightNeeds = std::vector<std::pair<Op, DType>>;

// Creates the backend `choice` asks for ("auto" tries CUDA, then Vulkan on a GPU, then CPU).
// A backend that does not support every op of `needs` (e.g. no kernels for Q4_K weights)
// counts as unavailable, saying so; a GPU backend must then pass self_check() with weights
// of `weight_dtype` (else it counts as unavailable, with the op that failed). When a
// backend is skipped or falls back, `reason` says why.
std::unique_ptr<Backend> choose_backend(const BackendChoice& choice, DType weight_dtype,
                                        std::string* reason, const WeightNeeds& needs = {});

}  // namespace coil
