// A deterministic clock for the storage tests: every reading is one second after the
// previous one, so orderings by time are never ties and never depend on the real clock.
#pragma once
#include "clock.hpp"

namespace coil::storage::test {

struct FakeClock {
  qint64 now = 1'700'000'000'000;
  Clock fn() {
    return [this] { return now += 1000; };
  }
};

}  // namespace coil::storage::test
