// The automatic backend choice and its fallbacks (coil/registry.hpp).
#include <memory>
#include <string>
#include <vector>

#include "coil/error.hpp"
#include "coil/registry.hpp"
#include "coil/self_check.hpp"

namespace coil {

std::unique_ptr<Backend> choose_backend(const BackendChoice& opts, DType weight_dtype,
                                        std::string* reason, const WeightNeeds& needs) {
  std::vector<std::string> order;
  if (opts.backend == "auto") {
    for (const auto& b : compiled_backends())
      if (b == "cuda" || b == "vulkan") order.push_back(b);
    order.push_back("cpu");
  } else {
    order.push_back(opts.backend);
    if (opts.allow_fallback && opts.backend != "cpu") order.push_back("cpu");
  }
  std::string why;
  for (size_t i = 0; i < order.size(); ++i) {
    BackendOptions bo = opts.options;
    // "auto" uses Vulkan only on a real GPU, not on a CPU driver such as lavapipe
    if (opts.backend == "auto" && order[i] == "vulkan") bo.allow_cpu_device = false;
    try {
      auto be = create_backend(order[i], bo);
      for (const auto& [op, dt] : needs)
        if (!be->supports(op, dt))
          throw Error(be->info().name + " backend on " + be->info().device + ": no " + op_name(op) +
                      " kernel for " + dtype_name(dt) + " weights yet");
      // a GPU backend computes right on this machine before it gets the model
      if ((order[i] == "cuda" || order[i] == "vulkan") && opts.self_check) {
        const std::string wrong = self_check(*be, weight_dtype, opts.self_check_fault);
        if (!wrong.empty())
          throw Error(std::string(order[i] == "cuda" ? "CUDA" : "Vulkan") + " backend on " +
                      be->info().device + ": refused, it computes wrong results here: " + wrong +
                      " (a driver or kernel fault; COIL_SELF_CHECK=0 skips this check)");
      }
      if (reason) *reason = why;
      return be;
    } catch (const Error& e) {
      if (i + 1 == order.size()) throw;
      if (!why.empty()) why += "; ";
      why += e.what();
    }
  }
  throw Error("no backend available");
}

}  // namespace coil
