// LoadTracker: byte-counted, rate-limited load progress and the cancel check.
#include "model/load_tracker.hpp"

#include <algorithm>

namespace coil {

namespace {
constexpr double kStep = 1.0 / 200;  // the smallest move of the bar worth a report
}  // namespace

LoadTracker::LoadTracker(LoadProgressFn fn, const std::atomic<bool>* cancel)
    : fn_(std::move(fn)), cancel_(cancel) {}

void LoadTracker::begin_attempt(uint64_t total_bytes) {
  base_ = std::max(0.0, shown_);
  total_ = total_bytes;
  done_ = 0;
}

void LoadTracker::set_stage(const std::string& stage) {
  if (stage == stage_) return;
  stage_ = stage;
  report(std::max(base_, shown_), true);
}

void LoadTracker::advance(uint64_t bytes) {
  done_ = std::min(total_, done_ + bytes);
  const double part = total_ == 0 ? 1.0 : double(done_) / double(total_);
  // The attempt's own 1.0 is left to finish(): only it may report the end.
  report(std::min(base_ + (1.0 - base_) * part, 1.0 - kStep / 2), false);
  check_cancel();
}

void LoadTracker::finish() {
  if (shown_ < 1.0) report(1.0, true);
  check_cancel();
}

void LoadTracker::check_cancel() const {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw LoadCancelled();
}

void LoadTracker::report(double fraction, bool force) {
  fraction = std::clamp(std::max(fraction, shown_), 0.0, 1.0);
  if (!force && fraction - shown_ < kStep) return;
  shown_ = fraction;
  if (fn_) fn_(fraction, stage_);
}

}  // namespace coil
