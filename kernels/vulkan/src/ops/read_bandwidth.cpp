// Device memory read bandwidth: a compute shader streams a large device-local buffer
// (shaders/read_bandwidth.comp), timed with timestamp queries where the queue has them
// (else the wall clock around submit and wait); best of a few runs.
#include <algorithm>
#include <chrono>

#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

double VulkanBackend::measure_read_bandwidth_gbps() {
  synchronize();
  const auto& phys = ctx().phys;
  uint64_t bytes = uint64_t(1) << 30;
  bytes = std::min<uint64_t>(bytes, max_view_bytes(ctx()));
  bytes = std::min<uint64_t>(bytes, phys.local_memory / 8);
  bytes = std::min<uint64_t>(bytes, phys.max_allocation);
  bytes = bytes / 4096 * 4096;
  if (bytes < (uint64_t(1) << 20)) return 0.0;

  // Scratch outside the tensor accounting, released before returning.
  auto make = [&](uint64_t n) {
    Tensor t;
    t.buf = std::make_shared<DeviceBuffer>(ctx_, n, /*counted=*/false);
    t.dtype = DType::F32;
    t.rows = 1;
    t.cols = static_cast<int64_t>(n / 4);
    t.stride = t.cols;
    stream_->fill_zero(*static_cast<DeviceBuffer*>(t.buf.get()));
    return t;
  };
  const Tensor data = make(bytes), result = make(16);

  const bool timestamps = phys.timestamp_bits > 0 && phys.limits.timestampPeriod > 0;
  VkQueryPool pool = VK_NULL_HANDLE;
  if (timestamps) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = 2;
    check(ctx().vk.CreateQueryPool(ctx().device, &qi, nullptr, &pool), "vkCreateQueryPool",
          ctx().name());
  }
  struct Push {
    uint32_t n4;
  };
  const auto read = [&] {
    Dispatch d(*this, Kernel::ReadBandwidth);
    d.bind(data, Access::Read);
    d.bind(result, Access::Write);
    d.run(Push{static_cast<uint32_t>(bytes / 16)}, 4096);
  };
  double best = 0.0;
  try {
    synchronize();
    // untimed warm-up of at least 100 ms: an idle GPU runs at a fraction of its clock and
    // takes a while to ramp up, longer than a few reads of 1 GiB last
    const auto warm_start = std::chrono::steady_clock::now();
    do {
      for (int w = 0; w < 4; ++w) read();
      synchronize();
    } while (std::chrono::steady_clock::now() - warm_start < std::chrono::milliseconds(100));
    for (int run = 0; run < 5; ++run) {
      if (timestamps) {
        Recorder& r = stream_->own();
        ctx().vk.CmdResetQueryPool(r.cb(), pool, 0, 2);
        ctx().vk.CmdWriteTimestamp(r.cb(), VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool, 0);
      }
      read();
      if (timestamps)
        ctx().vk.CmdWriteTimestamp(stream_->own().cb(), VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool,
                                   1);
      const auto t0 = std::chrono::steady_clock::now();
      synchronize();
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (timestamps) {
        uint64_t ts[2];
        check(
            ctx().vk.GetQueryPoolResults(ctx().device, pool, 0, 2, sizeof ts, ts, sizeof(uint64_t),
                                         VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
            "vkGetQueryPoolResults", ctx().name());
        const uint64_t mask =
            phys.timestamp_bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << phys.timestamp_bits) - 1;
        const double ns = double((ts[1] - ts[0]) & mask) * phys.limits.timestampPeriod;
        if (ns > 0) seconds = ns * 1e-9;
      }
      if (seconds > 0) best = std::max(best, bytes / seconds / 1e9);
    }
  } catch (...) {
    if (pool) ctx().vk.DestroyQueryPool(ctx().device, pool, nullptr);
    throw;
  }
  if (pool) ctx().vk.DestroyQueryPool(ctx().device, pool, nullptr);
  return best;
}

}  // namespace coil::vk
