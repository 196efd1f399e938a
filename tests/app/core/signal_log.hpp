// Records the emissions of a signal sent from another thread (the inference worker's) on
// the test's own thread, through a queued connection. Waiting on it has none of the race
// QSignalSpy::wait() has with a signal emitted by another thread just before the wait.
#pragma once
#include <QDeadlineTimer>
#include <QList>
#include <QObject>
#include <QTest>
#include <QVariant>

namespace coil::test {

class SignalLog : public QObject {
 public:
  template <typename Sender, typename Signal>
  SignalLog(const Sender* sender, Signal signal) {
    connect(
        sender, signal, this,
        [this](auto... args) { calls_.append(QVariantList{QVariant::fromValue(args)...}); },
        Qt::QueuedConnection);
  }

  // Processes events until `n` emissions arrived (or 10 minutes passed: a hang, not a
  // timing assertion).
  bool wait(int n = 1, int timeoutMs = 600000) {
    return QTest::qWaitFor([&] { return calls_.size() >= n; }, timeoutMs);
  }
  // Waits for one more emission than those already seen.
  bool waitNext() { return wait(int(calls_.size()) + 1); }

  int count() const { return int(calls_.size()); }
  bool isEmpty() const { return calls_.isEmpty(); }
  const QVariantList& at(int i) const { return calls_.at(i); }
  const QVariantList& first() const { return calls_.first(); }
  const QVariantList& last() const { return calls_.last(); }
  QList<QVariantList>::const_iterator begin() const { return calls_.cbegin(); }
  QList<QVariantList>::const_iterator end() const { return calls_.cend(); }

 private:
  QList<QVariantList> calls_;
};

}  // namespace coil::test
