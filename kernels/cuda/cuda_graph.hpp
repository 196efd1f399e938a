// Backend::capture for CUDA: the ops a callback enqueues are recorded by stream capture
// into a CUDA Graph, instantiated once and replayed with one cudaGraphLaunch per call.
// Inputs change between replays by uploads on the same stream (ordered before the launch).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "coil/backend.hpp"
#include "context.hpp"

namespace coil::cuda {

// Runs `record` with the context's stream in capture mode and returns the instantiated
// graph. `capturing` is set while `record` runs (ops check it to refuse allocations and
// host copies, which a capture cannot hold). If `record` throws, the capture is ended and
// discarded and the exception propagates. `take_held` is called once `record` has run: the
// graph owns the buffers it returns (backend-owned scratch its nodes use) for its lifetime.
using HeldBuffers = std::vector<std::shared_ptr<Buffer>>;
std::unique_ptr<Graph> capture_graph(std::shared_ptr<Context> ctx, bool& capturing,
                                     const std::function<void()>& record,
                                     const std::function<HeldBuffers()>& take_held);

}  // namespace coil::cuda
