// Compute pipelines, created on first use per kernel and specialization constants.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

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

  // `spec` are the values of specialization constants 0, 1, ... of the shader.
  const Pipeline& get(Kernel k, const std::vector<uint32_t>& spec = {});

 private:
  VkShaderModule module(const std::string& name);

  Context& ctx_;
  std::mutex mu_;
  std::map<std::string, VkShaderModule> modules_;
  std::map<std::pair<Kernel, std::vector<uint32_t>>, Pipeline> pipelines_;
};

}  // namespace coil::vk
