#include "vk_pipelines.hpp"

#include "coil/error.hpp"
#include "vk_descriptors.hpp"
#include "vk_spirv.hpp"

namespace coil::vk {
namespace {

struct KernelInfo {
  const char* shader;
  uint32_t bindings;
};

KernelInfo info(Kernel k) {
  switch (k) {
    case Kernel::GetRows:
      return {"get_rows", 3};
    case Kernel::RmsNorm:
      return {"rms_norm", 3};
    case Kernel::MatMulGemv:
      return {"matmul_gemv", 5};
    case Kernel::MatMulGemm:
      return {"matmul_gemm", 4};
    case Kernel::Conv1dSilu:
      return {"conv1d_silu", 5};
    case Kernel::SelectiveScan:
      return {"selective_scan", 10};
    case Kernel::ProjScan:
      return {"proj_scan", kProjScanBindings};
    case Kernel::Add:
      return {"add", 2};
    case Kernel::ReadBandwidth:
      return {"read_bandwidth", 2};
  }
  throw Error("internal: unknown Vulkan kernel");
}

}  // namespace

Spec::Spec(std::initializer_list<uint32_t> v) {
  if (v.size() > kMax) throw Error("internal: too many Vulkan specialization constants");
  for (uint32_t x : v) values[count++] = x;
}

Pipelines::~Pipelines() {
  for (auto& [key, p] : pipelines_) ctx_.vk.DestroyPipeline(ctx_.device, p.pipeline, nullptr);
  for (auto& [name, m] : modules_) ctx_.vk.DestroyShaderModule(ctx_.device, m, nullptr);
}

VkShaderModule Pipelines::module(const std::string& name) {
  if (auto it = modules_.find(name); it != modules_.end()) return it->second;
  const auto words = find_spirv(name);
  if (words.empty()) throw Error("internal: Vulkan shader " + name + " is not embedded");
  VkShaderModuleCreateInfo ci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  ci.codeSize = words.size() * sizeof(uint32_t);
  ci.pCode = words.data();
  VkShaderModule m;
  check(ctx_.vk.CreateShaderModule(ctx_.device, &ci, nullptr, &m), "vkCreateShaderModule",
        ctx_.name());
  modules_.emplace(name, m);
  return m;
}

const Pipeline& Pipelines::get(Kernel k, const Spec& spec) {
  std::lock_guard lock(mu_);
  const auto key = std::tuple_cat(std::tuple(k), spec.key());
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second;

  const KernelInfo ki = info(k);
  std::string name = ki.shader;
  // CMakeLists.txt's COIL_VK_SUBGROUP_SHADERS says which shaders have a "_sg" build
  const bool subgroup = ctx_.subgroups && !find_spirv(std::string(ki.shader) + "_sg").empty();
  if (subgroup) name += "_sg";
  VkSpecializationMapEntry entries[Spec::kMax];
  for (uint32_t i = 0; i < spec.count; ++i)
    entries[i] = {i, static_cast<uint32_t>(i * sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo si{};
  si.mapEntryCount = spec.count;
  si.pMapEntries = entries;
  si.dataSize = spec.count * sizeof(uint32_t);
  si.pData = spec.values;

  Pipeline p;
  p.bindings = ki.bindings;
  p.layout = ctx_.descriptors->pipeline_layout(ki.bindings);
  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module(name);
  ci.stage.pName = "main";
  ci.stage.pSpecializationInfo = spec.count == 0 ? nullptr : &si;
  // The subgroup size the shader sees is the one it runs with (Context::subgroups).
  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo rss{
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
  rss.requiredSubgroupSize = ctx_.required_subgroup_size;
  if (subgroup && ctx_.required_subgroup_size) ci.stage.pNext = &rss;
  if (subgroup && ctx_.full_subgroups)
    ci.stage.flags |= VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
  ci.layout = p.layout;
  check(ctx_.vk.CreateComputePipelines(ctx_.device, VK_NULL_HANDLE, 1, &ci, nullptr, &p.pipeline),
        ("vkCreateComputePipelines (" + name + ")").c_str(), ctx_.name());
  return pipelines_.emplace(key, p).first->second;
}

}  // namespace coil::vk
