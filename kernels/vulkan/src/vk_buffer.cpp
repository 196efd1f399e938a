#include "vk_buffer.hpp"

#include "coil/error.hpp"
#include "vk_descriptors.hpp"

namespace coil::vk {

DeviceBuffer::DeviceBuffer(std::shared_ptr<Context> ctx, size_t bytes, bool counted)
    : ctx_(std::move(ctx)), bytes_(bytes), id_(ctx_->new_buffer_id()), counted_(counted) {
  raw_ = ctx_->create_buffer(bytes, MemoryKind::Device);
  if (counted_) ctx_->count_alloc(raw_.size);
}

DeviceBuffer::~DeviceBuffer() {
  if (counted_) ctx_->count_free(raw_.size);
  auto free_sets = ctx_->descriptors->evict(id_);
  Context* ctx = ctx_.get();
  const RawBuffer raw = raw_;
  ctx_->release([ctx, raw, free_sets = std::move(free_sets)] {
    if (free_sets) free_sets();
    ctx->destroy_buffer(raw);
  });
}

DeviceBuffer& device_buffer(const Tensor& t, const Context& ctx) {
  auto* b = dynamic_cast<DeviceBuffer*>(t.buf.get());
  if (!b || b->context() != &ctx)
    throw Error("internal: a tensor passed to the Vulkan backend lives on another backend");
  if (t.offset + t.span_bytes() > b->size())
    throw Error("internal: tensor view outside its Vulkan buffer");
  return *b;
}

}  // namespace coil::vk
