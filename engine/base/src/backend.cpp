#include "coil/backend.hpp"

#include "coil/error.hpp"
#include "coil/op_checks.hpp"
#include "coil/tensor_view.hpp"

namespace coil {

const char* op_name(Op op) {
  switch (op) {
    case Op::GetRows:
      return "get_rows";
    case Op::RmsNorm:
      return "rms_norm";
    case Op::MatMul:
      return "matmul";
    case Op::Conv1dSilu:
      return "conv1d_silu";
    case Op::SelectiveScan:
      return "selective_scan";
    case Op::Add:
      return "add";
    case Op::NormMatMul:
      return "norm_matmul";
    case Op::MatMulAdd:
      return "matmul_add";
    case Op::ProjScan:
      return "proj_scan";
  }
  return "?";
}

Tensor Backend::upload_weight(const TensorView& host, int64_t rows, int64_t cols) {
  checks::upload_weight(host, rows, cols);
  Tensor t = alloc(host.dtype, rows, cols);
  upload(t, host.data);
  return t;
}

namespace {
[[noreturn]] void unsupported(const Backend& b, Op op) {
  throw Error(std::string("internal: the ") + b.info().name + " backend does not implement " +
              op_name(op) + " (supports() says so: callers must check)");
}
}  // namespace

void Backend::norm_matmul(const Tensor&, const Tensor&, float, const Tensor&, const Tensor*,
                          const Tensor&) {
  unsupported(*this, Op::NormMatMul);
}
void Backend::matmul_add(const Tensor&, const Tensor&, const Tensor*, const Tensor&) {
  unsupported(*this, Op::MatMulAdd);
}
void Backend::proj_scan(const ProjScanArgs&) {
  unsupported(*this, Op::ProjScan);
}

bool is_fused_op(Op op) {
  return op == Op::NormMatMul || op == Op::MatMulAdd || op == Op::ProjScan;
}

namespace {
class CallbackGraph final : public Graph {
 public:
  explicit CallbackGraph(std::function<void()> fn) : fn_(std::move(fn)) {}
  void replay() override { fn_(); }

 private:
  std::function<void()> fn_;
};
}  // namespace

std::unique_ptr<Graph> Backend::capture(const std::function<void()>& record) {
  return std::make_unique<CallbackGraph>(record);
}

}  // namespace coil
