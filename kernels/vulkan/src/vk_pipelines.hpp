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
  ProjScan,
  Add,
  ReadBandwidth,
};

// proj_scan binds 11 buffers, one more than a device must allow to be usable at all
// (PhysicalDevice::unusable_reason), so the op is supported only where the limit allows.
constexpr uint32_t kProjScanBindings = 11;

// Values of a shader's specialization constants 0, 1, 2, 3 (at most four).
struct Spec {
  static constexpr uint32_t kMax = 4;
  uint32_t count = 0;
  uint32_t values[kMax] = {0, 0, 0, 0};
  Spec() = default;
  Spec(std::initializer_list<uint32_t> v);
  auto key() const { return std::tuple(count, values[0], values[1], values[2], values[3]); }
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
  std::map<std::tuple<Kernel, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>, Pipeline>
      pipelines_;
};

}  // namespace coil::vk
