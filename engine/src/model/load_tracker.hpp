// Internal: progress and cancellation of one model load (ModelOptions::progress/cancel).
// Work is counted in bytes; reports are rate-limited to steps of 1/200 of the bar, stage
// changes and the final 1.0. A second attempt (the fallback to the CPU after a GPU upload
// failed) continues from where the bar stands, so the fractions never go back.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "coil/model.hpp"

namespace coil {

class LoadTracker {
 public:
  LoadTracker(LoadProgressFn fn, const std::atomic<bool>* cancel);

  // Starts an attempt of `total_bytes` of work, mapped onto what is left of [0, 1].
  void begin_attempt(uint64_t total_bytes);
  // Names what happens next; reported at once when it differs from the current stage.
  void set_stage(const std::string& stage);
  // `bytes` more are done: reports if the bar moved enough, then checks for cancellation.
  void advance(uint64_t bytes);
  // Reports 1.0 (once), then checks for cancellation.
  void finish();
  // Throws LoadCancelled once the cancel flag is set.
  void check_cancel() const;

 private:
  void report(double fraction, bool force);

  LoadProgressFn fn_;
  const std::atomic<bool>* cancel_;
  std::string stage_;
  double base_ = 0;    // where the current attempt starts on the bar
  double shown_ = -1;  // the last fraction reported (-1: none yet)
  uint64_t total_ = 0, done_ = 0;
};

}  // namespace coil
