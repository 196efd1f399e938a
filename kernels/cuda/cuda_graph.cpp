#include "cuda_graph.hpp"

#include "coil/error.hpp"
#include "cuda_error.hpp"

namespace coil::cuda {
namespace {

class CudaGraph final : public Graph {
 public:
  CudaGraph(std::shared_ptr<Context> ctx, cudaGraph_t graph, cudaGraphExec_t exec, HeldBuffers held)
      : ctx_(std::move(ctx)), held_(std::move(held)), graph_(graph), exec_(exec) {}
  ~CudaGraph() override {
    ctx_->make_current_noexcept();
    (void)cudaStreamSynchronize(ctx_->stream());  // no launch of ours still in flight
    (void)cudaGraphExecDestroy(exec_);
    (void)cudaGraphDestroy(graph_);
    (void)cudaGetLastError();
  }
  void replay() override {
    ctx_->make_current();
    check(cudaGraphLaunch(exec_, ctx_->stream()), "launching the decode graph");
  }

 private:
  std::shared_ptr<Context> ctx_;
  HeldBuffers held_;  // freed after the graph (destructor body) is gone
  cudaGraph_t graph_;
  cudaGraphExec_t exec_;
};

}  // namespace

std::unique_ptr<Graph> capture_graph(std::shared_ptr<Context> ctx, bool& capturing,
                                     const std::function<void()>& record,
                                     const std::function<HeldBuffers()>& take_held) {
  ctx->make_current();
  if (capturing) throw Error("internal: CUDA backend: nested graph capture");
  // thread-local mode: only this thread is barred from unsafe calls while capturing
  check(cudaStreamBeginCapture(ctx->stream(), cudaStreamCaptureModeThreadLocal),
        "starting a graph capture");
  capturing = true;
  try {
    record();
  } catch (...) {
    capturing = false;
    (void)take_held();
    cudaGraph_t g = nullptr;
    (void)cudaStreamEndCapture(ctx->stream(), &g);
    if (g) (void)cudaGraphDestroy(g);
    (void)cudaGetLastError();
    throw;
  }
  capturing = false;
  HeldBuffers held = take_held();
  cudaGraph_t graph = nullptr;
  check(cudaStreamEndCapture(ctx->stream(), &graph), "ending a graph capture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
  if (e != cudaSuccess) {
    (void)cudaGraphDestroy(graph);
    throw_error(e, "instantiating a graph");
  }
  return std::make_unique<CudaGraph>(std::move(ctx), graph, exec, std::move(held));
}

}  // namespace coil::cuda
