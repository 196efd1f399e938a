// The time source of the stores (ms since the epoch). Tests inject a fake one; nothing in
// storage ever compares wall-clock durations.
#pragma once
#include <QDateTime>
#include <functional>

namespace coil::storage {

using Clock = std::function<qint64()>;

inline Clock systemClock() {
  return [] { return QDateTime::currentMSecsSinceEpoch(); };
}

}  // namespace coil::storage
