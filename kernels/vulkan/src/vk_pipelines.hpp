// Compute pipelines, created on first use per kernel and specialization constants.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "vk_context.hpp"

namespace coil::vk {

enum class Kernel {
  GetRows,
  RmsNorm,
  MatMulGemv,
  MatMulGemm,
  Conv1dSilu,
  SelectiveScan,
  Add,
  ReadBandwidth,
};

// Values of a shader's specialization constants 0, 1, 2 (at most three).
struct Spec {
  uint32_t count = 0;
  uint32_t values[3] = {0, 0, 0};
  Spec() = default;
  Spec(std::initializer_list<uint32_t> v);
  auto key() const { return std::tuple(count, values[0], values[1], values[2]); }
};

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  uint32_t bindings = 0;
};

class Pipelines {
 public:
  explicit Pipelines(Context& ctx) : ctx_(ctx) {}
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  const Pipeline& get(Kernel k, const Spec& spec = {});

 private:
  VkShaderModule module(const std::string& name);

  Context& ctx_;
  std::mutex mu_;
  std::map<std::string, VkShaderModule> modules_;
  std::map<std::tuple<Kernel, uint32_t, uint32_t, uint32_t, uint32_t>, Pipeline> pipelines_;
};

}  // namespace coil::vk
