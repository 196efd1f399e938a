#include "vk_stream.hpp"

#include <algorithm>
#include <cstring>

#include "coil/error.hpp"

namespace coil::vk {
namespace {

constexpr size_t kRingBytes = size_t(32) << 20;
constexpr VkPipelineStageFlags kStages =
    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;

// Calls fn(device_offset, host_offset, bytes) for each contiguous piece of a (possibly
// strided) tensor: its bytes in the buffer and in packed host memory.
template <typename Fn>
void for_each_segment(const Tensor& t, Fn&& fn) {
  if (t.rows == 0 || t.cols == 0) return;
  const size_t row = t.row_bytes(), pitch = dtype_row_bytes(t.dtype, t.stride);
  if (t.contiguous() || t.rows == 1) return fn(t.offset, size_t(0), row * t.rows);
  for (int64_t r = 0; r < t.rows; ++r)
    fn(t.offset + static_cast<size_t>(r) * pitch, static_cast<size_t>(r) * row, row);
}

bool contains(const std::vector<uint64_t>& v, uint64_t id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

}  // namespace

void Recorder::start(VkCommandBuffer cb) {
  cb_ = cb;
  fresh_ = true;
  reads_.clear();
  writes_.clear();
}

void Recorder::before(const Fns& vk, const Use* uses, size_t n) {
  bool conflict = fresh_;
  for (size_t i = 0; i < n && !conflict; ++i) {
    const Use& u = uses[i];
    if (contains(writes_, u.buffer_id)) conflict = true;
    if (u.access != Access::Read && contains(reads_, u.buffer_id)) conflict = true;
  }
  if (conflict) {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    vk.CmdPipelineBarrier(cb_, kStages, kStages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    fresh_ = false;
    reads_.clear();
    writes_.clear();
  }
  for (size_t i = 0; i < n; ++i) {
    const Use& u = uses[i];
    if (u.access != Access::Write && !contains(reads_, u.buffer_id)) reads_.push_back(u.buffer_id);
    if (u.access != Access::Read && !contains(writes_, u.buffer_id)) writes_.push_back(u.buffer_id);
  }
}

Stream::Stream(Context& ctx) : ctx_(ctx) {
  staging_ = ctx_.create_buffer(kRingBytes, MemoryKind::Upload);
  try {
    readback_ = ctx_.create_buffer(kRingBytes, MemoryKind::Readback);
  } catch (...) {
    ctx_.destroy_buffer(staging_);
    throw;
  }
}

Stream::~Stream() {
  try {
    if (capturing_) abort_capture();
    submit(VK_NULL_HANDLE, true);
  } catch (const Error&) {
    // device lost or a validation message at teardown: nothing more can be done here
  }
  ctx_.vk.DeviceWaitIdle(ctx_.device);
  ctx_.set_busy(false);
  ctx_.collect_garbage();
  if (own_open_) free_cbs_.push_back(own_.cb());
  for (VkCommandBuffer cb : free_cbs_) ctx_.vk.FreeCommandBuffers(ctx_.device, ctx_.pool, 1, &cb);
  for (VkFence f : free_fences_) ctx_.vk.DestroyFence(ctx_.device, f, nullptr);
  ctx_.destroy_buffer(staging_);
  ctx_.destroy_buffer(readback_);
}

VkCommandBuffer Stream::take_cb() {
  if (!free_cbs_.empty()) {
    VkCommandBuffer cb = free_cbs_.back();
    free_cbs_.pop_back();
    return cb;
  }
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ctx_.pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cb;
  check(ctx_.vk.AllocateCommandBuffers(ctx_.device, &ai, &cb), "vkAllocateCommandBuffers",
        ctx_.name());
  return cb;
}

VkFence Stream::take_fence() {
  if (!free_fences_.empty()) {
    VkFence f = free_fences_.back();
    free_fences_.pop_back();
    return f;
  }
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence f;
  check(ctx_.vk.CreateFence(ctx_.device, &fi, nullptr, &f), "vkCreateFence", ctx_.name());
  return f;
}

Recorder& Stream::own() {
  if (!own_open_) {
    VkCommandBuffer cb = take_cb();
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(ctx_.vk.BeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer", ctx_.name());
    own_.start(cb);
    own_open_ = true;
    ctx_.set_busy(true);
  }
  return own_;
}

Recorder& Stream::ops() {
  return capturing_ ? capture_ : own();
}

void Stream::begin_capture(VkCommandBuffer cb) {
  if (capturing_) throw Error("internal: nested Vulkan graph capture");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  check(ctx_.vk.BeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer", ctx_.name());
  capture_.start(cb);
  capturing_ = true;
}

void Stream::end_capture() {
  capturing_ = false;
  check(ctx_.vk.EndCommandBuffer(capture_.cb()), "vkEndCommandBuffer", ctx_.name());
}

void Stream::abort_capture() {
  capturing_ = false;
  ctx_.vk.EndCommandBuffer(capture_.cb());
}

void Stream::upload(const DeviceBuffer& dst, const Tensor& t, const void* src) {
  if (capturing_) throw Error("internal: upload inside a Vulkan graph capture");
  const auto* host = static_cast<const char*>(src);
  regions_.clear();
  auto emit = [&] {
    if (regions_.empty()) return;
    Recorder& r = own();
    r.before(ctx_.vk, {{dst.id(), Access::Write}});
    ctx_.vk.CmdCopyBuffer(r.cb(), staging_.buffer, dst.handle(),
                          static_cast<uint32_t>(regions_.size()), regions_.data());
    regions_.clear();
  };
  for_each_segment(t, [&](size_t device, size_t host_off, size_t len) {
    for (size_t done = 0; done < len;) {
      if (staged_ >= kRingBytes) {
        emit();
        synchronize();
      }
      const size_t n = std::min(len - done, kRingBytes - staged_);
      std::memcpy(staging_.mapped + staged_, host + host_off + done, n);
      regions_.push_back({staged_, device + done, n});
      staged_ = std::min(kRingBytes, (staged_ + n + 15) / 16 * 16);
      done += n;
    }
  });
  emit();
}

void Stream::download(const DeviceBuffer& src, const Tensor& t, void* dst) {
  if (capturing_) throw Error("internal: download inside a Vulkan graph capture");
  auto* host = static_cast<char*>(dst);
  regions_.clear();
  pieces_.clear();
  auto finish = [&] {
    if (!regions_.empty()) {
      Recorder& r = own();
      r.before(ctx_.vk, {{src.id(), Access::Read}});
      ctx_.vk.CmdCopyBuffer(r.cb(), src.handle(), readback_.buffer,
                            static_cast<uint32_t>(regions_.size()), regions_.data());
      host_read_ = true;
      regions_.clear();
    }
    synchronize();
    if (!readback_.coherent) {
      VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
      range.memory = readback_.memory;
      range.size = VK_WHOLE_SIZE;
      ctx_.vk.InvalidateMappedMemoryRanges(ctx_.device, 1, &range);
    }
    for (const VkBufferCopy& p : pieces_)  // srcOffset: ring, dstOffset: host
      std::memcpy(host + p.dstOffset, readback_.mapped + p.srcOffset, p.size);
    pieces_.clear();
  };
  for_each_segment(t, [&](size_t device, size_t host_off, size_t len) {
    for (size_t done = 0; done < len;) {
      if (read_ >= kRingBytes) finish();
      const size_t n = std::min(len - done, kRingBytes - read_);
      regions_.push_back({device + done, read_, n});
      pieces_.push_back({read_, host_off + done, n});
      read_ = std::min(kRingBytes, (read_ + n + 15) / 16 * 16);
      done += n;
    }
  });
  finish();
}

void Stream::fill_zero(const DeviceBuffer& b) {
  Recorder& r = own();
  r.before(ctx_.vk, {{b.id(), Access::Write}});
  ctx_.vk.CmdFillBuffer(r.cb(), b.handle(), 0, VK_WHOLE_SIZE, 0);
}

void Stream::submit(VkCommandBuffer graph, bool wait) {
  VkCommandBuffer cbs[2];
  uint32_t n = 0;
  VkCommandBuffer owned = VK_NULL_HANDLE;
  if (own_open_) {
    owned = own_.cb();
    if (host_read_) {  // make the readback ring's contents visible to the host
      VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
      mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
      ctx_.vk.CmdPipelineBarrier(owned, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                                 0, 1, &mb, 0, nullptr, 0, nullptr);
    }
    own_open_ = false;
    host_read_ = false;
    check(ctx_.vk.EndCommandBuffer(owned), "vkEndCommandBuffer", ctx_.name());
    cbs[n++] = owned;
  }
  if (graph) cbs[n++] = graph;
  if (n > 0) {
    VkFence fence = take_fence();
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = n;
    si.pCommandBuffers = cbs;
    const VkResult r = ctx_.vk.QueueSubmit(ctx_.queue, 1, &si, fence);
    if (r != VK_SUCCESS) {
      free_fences_.push_back(fence);
      if (owned) free_cbs_.push_back(owned);
      check(r, "vkQueueSubmit", ctx_.name());
    }
    in_flight_.push_back({fence, owned, graph});
    // buffers a submission uses are freed only once it is done (a graph replayed with no
    // upload before it has no open command buffer of ours that said so)
    ctx_.set_busy(true);
  }
  if (wait) wait_all();
}

void Stream::wait_all() {
  if (!in_flight_.empty()) {
    fences_.clear();
    for (const auto& f : in_flight_) fences_.push_back(f.fence);
    const auto n = static_cast<uint32_t>(fences_.size());
    check(ctx_.vk.WaitForFences(ctx_.device, n, fences_.data(), VK_TRUE, UINT64_MAX),
          "waiting for the device", ctx_.name());
    ctx_.vk.ResetFences(ctx_.device, n, fences_.data());
    for (const auto& f : in_flight_) {
      free_fences_.push_back(f.fence);
      if (f.own) {
        ctx_.vk.ResetCommandBuffer(f.own, 0);
        free_cbs_.push_back(f.own);
      }
    }
    in_flight_.clear();
  }
  if (!own_open_) {  // nothing recorded refers to the rings any more
    staged_ = 0;
    read_ = 0;
    ctx_.set_busy(false);
    ctx_.collect_garbage();
  }
  ctx_.check_validation();
}

void Stream::submit_graph(VkCommandBuffer graph) {
  for (const auto& f : in_flight_)
    if (f.graph == graph) {  // a command buffer may not be pending twice
      synchronize();
      break;
    }
  submit(graph, false);
  ctx_.check_validation();
}

void Stream::synchronize() {
  submit(VK_NULL_HANDLE, true);
}

}  // namespace coil::vk
