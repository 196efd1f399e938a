// Setup, memory, transfers, graphs and synchronization of the Vulkan backend.
#include "coil/vulkan_backend.hpp"

#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "coil/tensor_view.hpp"
#include "vk_buffer.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil {
namespace vk {
namespace {

// The decode step, recorded once into a command buffer and resubmitted on each replay.
class VulkanGraph final : public Graph {
 public:
  VulkanGraph(VulkanBackend& be, VkCommandBuffer cb) : be_(be), cb_(cb) {}
  ~VulkanGraph() override {
    try {
      be_.synchronize();
    } catch (const Error&) {
    }
    be_.ctx().vk.FreeCommandBuffers(be_.ctx().device, be_.ctx().pool, 1, &cb_);
  }
  void replay() override { be_.stream().submit_graph(cb_); }

 private:
  VulkanBackend& be_;
  VkCommandBuffer cb_;
};

}  // namespace

VulkanBackend::VulkanBackend(const BackendOptions& opts)
    : ctx_(std::make_shared<Context>(opts)),
      pipelines_(std::make_unique<Pipelines>(*ctx_)),
      stream_(std::make_unique<Stream>(*ctx_)) {
  placeholder_ = make_tensor(DType::F32, 1, 4, true);
  synchronize();
}

VulkanBackend::~VulkanBackend() {
  try {
    synchronize();
  } catch (const Error&) {
  }
}

BackendInfo VulkanBackend::info() const {
  return {"vulkan", ctx_->phys.name, static_cast<size_t>(ctx_->phys.local_memory), 0, ""};
}

bool VulkanBackend::supports(Op op, DType d) const {
  // weights: the float types and every block type (shaders/quant.glsl)
  const bool weight =
      d == DType::F32 || d == DType::F16 || d == DType::BF16 || dtype_is_quantized(d);
  switch (op) {
    case Op::GetRows:
    case Op::MatMul:
    case Op::NormMatMul:
    case Op::MatMulAdd:
      return weight;
    case Op::ProjScan:  // binds one buffer more than a usable device must allow
      return weight && ctx_->phys.limits.maxPerStageDescriptorStorageBuffers >= kProjScanBindings;
    default:
      return d == DType::F32;
  }
}

Tensor VulkanBackend::make_tensor(DType dtype, int64_t rows, int64_t cols, bool zero) {
  if (rows < 0 || cols < 0) throw Error("internal: negative tensor shape");
  const size_t bytes = dtype_tensor_bytes(dtype, rows, cols);  // checked: whole blocks, no overflow
  auto buf = std::make_shared<DeviceBuffer>(ctx_, bytes);
  if (zero) stream_->fill_zero(*buf);
  Tensor t;
  t.buf = std::move(buf);
  t.dtype = dtype;
  t.rows = rows;
  t.cols = cols;
  t.stride = cols;
  return t;
}

Tensor VulkanBackend::alloc(DType dtype, int64_t rows, int64_t cols) {
  return make_tensor(dtype, rows, cols, true);
}

Tensor VulkanBackend::upload_weight(const TensorView& host, int64_t rows, int64_t cols) {
  checks::upload_weight(host, rows, cols);
  Tensor t = make_tensor(host.dtype, rows, cols, false);  // fully overwritten below
  upload(t, host.data);
  return t;
}

void VulkanBackend::upload(const Tensor& dst, const void* src) {
  stream_->upload(device_buffer(dst, *ctx_), dst, src);
}

void VulkanBackend::download(const Tensor& src, void* dst) {
  stream_->download(device_buffer(src, *ctx_), src, dst);
}

std::unique_ptr<Graph> VulkanBackend::capture(const std::function<void()>& record) {
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ctx_->pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb;
  check(ctx_->vk.AllocateCommandBuffers(ctx_->device, &ai, &cb), "vkAllocateCommandBuffers",
        ctx_->name());
  try {
    stream_->begin_capture(cb);
    record();
    stream_->end_capture();
  } catch (...) {
    if (stream_->capturing()) stream_->abort_capture();
    ctx_->vk.FreeCommandBuffers(ctx_->device, ctx_->pool, 1, &cb);
    throw;
  }
  return std::make_unique<VulkanGraph>(*this, cb);
}

void VulkanBackend::synchronize() {
  stream_->synchronize();
}

}  // namespace vk

std::unique_ptr<Backend> create_vulkan_backend(const BackendOptions& opts) {
  return std::make_unique<vk::VulkanBackend>(opts);
}

std::vector<DeviceDescription> describe_vulkan_devices() {
  vk::Instance instance;
  std::vector<DeviceDescription> out;
  for (const auto& d : instance.devices())
    out.push_back({d.describe(), static_cast<size_t>(d.local_memory),
                   !d.is_cpu() && d.unusable_reason().empty()});
  return out;
}

std::vector<std::string> list_vulkan_devices() {
  std::vector<std::string> out;
  for (const DeviceDescription& d : describe_vulkan_devices()) out.push_back(d.text);
  return out;
}

bool vulkan_validation_active(const Backend& be) {
  auto* v = dynamic_cast<const vk::VulkanBackend*>(&be);
  return v && const_cast<vk::VulkanBackend*>(v)->ctx().instance->validation;
}

bool vulkan_uses_subgroups(const Backend& be) {
  auto* v = dynamic_cast<const vk::VulkanBackend*>(&be);
  return v && const_cast<vk::VulkanBackend*>(v)->ctx().subgroups;
}

}  // namespace coil
