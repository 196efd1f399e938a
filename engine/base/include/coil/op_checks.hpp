// Argument checks shared by every backend's ops: a wrong shape is a programming error in
// the caller, reported as coil::Error naming the op and the operand.
#pragma once
#include "coil/backend.hpp"
#include "coil/tensor_view.hpp"

namespace coil::checks {

void get_rows(const Tensor& table, const Tensor& ids, const Tensor& out);
void rms_norm(const Tensor& x, const Tensor* weight, const Tensor& out);
void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& out);
void conv1d_silu(const Tensor& x, const Tensor& weight, const Tensor* bias,
                 const Tensor& conv_state, const Tensor& out);
void selective_scan(const ScanArgs& a);
void add(const Tensor& a, const Tensor& b);
void norm_matmul(const Tensor& x, const Tensor& norm_w, const Tensor& w, const Tensor* bias,
                 const Tensor& out);
// matmul_add: the checks of matmul
void proj_scan(const ProjScanArgs& a);
// Backend::upload_weight: `host` holds exactly rows x cols elements of its dtype.
void upload_weight(const TensorView& host, int64_t rows, int64_t cols);

}  // namespace coil::checks
