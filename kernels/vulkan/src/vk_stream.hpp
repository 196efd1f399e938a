// The command stream: ops, uploads and downloads are recorded into a command buffer with
// the barriers their dependencies need, and submitted at synchronization points. Host data
// goes through a staging ring and comes back through a readback ring, so that an upload
// is ordered with the ops around it and a recorded graph can read inputs uploaded before
// each replay.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "coil/backend.hpp"
#include "vk_buffer.hpp"
#include "vk_context.hpp"

namespace coil::vk {

enum class Access : uint8_t { Read, Write, ReadWrite };

struct Use {
  uint64_t buffer_id;
  Access access;
};

// One command buffer being recorded. Before each command, before() inserts a memory
// barrier when the command touches a buffer that an earlier command since the last barrier
// wrote (or writes one that an earlier command read). The first command of a command
// buffer always gets one, since it may depend on earlier submissions.
class Recorder {
 public:
  void start(VkCommandBuffer cb);
  VkCommandBuffer cb() const { return cb_; }
  void before(const Fns& vk, const Use* uses, size_t n);
  void before(const Fns& vk, std::initializer_list<Use> uses) {
    before(vk, uses.begin(), uses.size());
  }

 private:
  VkCommandBuffer cb_ = VK_NULL_HANDLE;
  bool fresh_ = true;
  std::vector<uint64_t> reads_, writes_;
};

class Stream {
 public:
  explicit Stream(Context& ctx);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Where ops are recorded: the graph being captured, else the stream's command buffer.
  Recorder& ops();
  // The stream's own command buffer (uploads, downloads, fills, measurements).
  Recorder& own();

  void begin_capture(VkCommandBuffer cb);
  void end_capture();
  void abort_capture();
  bool capturing() const { return capturing_; }

  void upload(const DeviceBuffer& dst, const Tensor& t, const void* src);
  void download(const DeviceBuffer& src, const Tensor& t, void* dst);
  void fill_zero(const DeviceBuffer& b);

  // Submits the recorded work followed by a recorded graph; does not wait.
  void submit_graph(VkCommandBuffer graph);
  // Submits the recorded work and waits for everything submitted.
  void synchronize();

 private:
  struct InFlight {
    VkFence fence;
    VkCommandBuffer own;    // returned to free_cbs_ when done, or null
    VkCommandBuffer graph;  // or null
  };
  void submit(VkCommandBuffer graph, bool wait);
  void wait_all();
  VkCommandBuffer take_cb();
  VkFence take_fence();

  Context& ctx_;
  RawBuffer staging_, readback_;
  size_t staged_ = 0, read_ = 0;
  Recorder own_, capture_;
  bool own_open_ = false, host_read_ = false, capturing_ = false;
  std::vector<InFlight> in_flight_;
  std::vector<VkCommandBuffer> free_cbs_;
  std::vector<VkFence> free_fences_;
  // scratch reused by every call, so that steady-state decoding does not allocate
  std::vector<VkBufferCopy> regions_, pieces_;
  std::vector<VkFence> fences_;
};

}  // namespace coil::vk
