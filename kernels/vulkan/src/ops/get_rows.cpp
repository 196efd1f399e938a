// Embedding gather (shaders/get_rows.comp).
#include "coil/op_checks.hpp"
#include "vk_dispatch.hpp"
#include "vulkan_backend_impl.hpp"

namespace coil::vk {

void VulkanBackend::get_rows(const Tensor& table, const Tensor& ids, const Tensor& out) {
  checks::get_rows(table, ids, out);
  if (ids.cols == 0 || table.cols == 0 || table.rows == 0) return;
  struct Push {
    uint32_t table_off, table_stride, ids_off, out_off, out_stride, cols, row_base, row_count;
  };
  // A table too large for one binding is gathered window by window of rows.
  const size_t row_bytes = dtype_row_bytes(table.dtype, table.stride);
  const bool blocks = dtype_is_quantized(table.dtype);  // 4 values per invocation, offsets in bytes
  const int64_t per_group = blocks ? 1024 : 256;
  const int64_t per = std::max<int64_t>(1, static_cast<int64_t>(max_view_bytes(ctx()) / row_bytes));
  for (int64_t r0 = 0; r0 < table.rows; r0 += per) {
    const Tensor window = table.rows_view(r0, std::min(per, table.rows - r0));
    Dispatch d(*this, Kernel::GetRows, {dtype_code(table.dtype)});
    Push p{};
    p.table_off = d.bind(window, Access::Read);
    p.ids_off = d.bind(ids, Access::Read);
    p.out_off = d.bind(out, Access::Write);
    p.table_stride = static_cast<uint32_t>(blocks ? row_bytes : table.stride);
    p.out_stride = static_cast<uint32_t>(out.stride);
    p.cols = static_cast<uint32_t>(table.cols);
    p.row_base = static_cast<uint32_t>(r0);
    p.row_count = static_cast<uint32_t>(window.rows);
    d.run(p, static_cast<uint32_t>((table.cols + per_group - 1) / per_group),
          static_cast<uint32_t>(ids.cols));
  }
}

}  // namespace coil::vk
