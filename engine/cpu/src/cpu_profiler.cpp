#include "cpu_profiler.hpp"

#include <algorithm>

namespace coil {

CpuProfiler::Scope::~Scope() {
  if (!p_) return;
  const double wall =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
  OpProfile& o = p_->ops_[{op_, shape_}];
  const int n = p_->pool_.size();
  if (o.calls == 0) {
    o.op = op_;
    o.shape = shape_;
    o.thread_busy_ms.assign(n, 0.0);
  }
  ++o.calls;
  o.wall_ms += wall;
  o.weight_bytes += bytes_;
  if (serial_) {
    o.thread_busy_ms[0] += wall;
  } else {
    for (int t = 0; t < n; ++t) o.thread_busy_ms[t] += p_->pool_.busy_ns(t) / 1e6;
  }
}

std::vector<OpProfile> CpuProfiler::take() {
  std::vector<OpProfile> out;
  for (auto& [key, o] : ops_) out.push_back(std::move(o));
  ops_.clear();
  std::sort(out.begin(), out.end(),
            [](const OpProfile& a, const OpProfile& b) { return a.wall_ms > b.wall_ms; });
  return out;
}

}  // namespace coil
