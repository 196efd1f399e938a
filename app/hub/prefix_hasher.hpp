// The sha256 of the first N bytes of a file, computed on a thread of its own so that the
// GUI thread never waits for it (a resumed 14.5 GB download re-hashes what an earlier run
// left: minutes of disk reads). Reports progress as it goes; cancel() or the destructor
// stops it within one chunk read.
#pragma once
#include <QCryptographicHash>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>

class QThread;

namespace coil::hub {

// Hashes the first `bytes` bytes of `path` into `hash`, in 1 MiB reads. `progress(done)` is
// called after each read; `stop` is polled between reads. False with *why when the file
// cannot be read, is shorter than `bytes`, or `stop` was set.
bool hashFilePrefix(const QString& path, qint64 bytes, QCryptographicHash& hash,
                    const std::function<void(qint64 done)>& progress, const std::atomic<bool>& stop,
                    QString* why);

class PrefixHasher : public QObject {
  Q_OBJECT
 public:
  explicit PrefixHasher(QObject* parent = nullptr);
  ~PrefixHasher() override;  // stops the worker and waits for it (at most one chunk read)

  // Starts hashing on a worker thread (cancelling one that runs). The signals arrive on the
  // thread this object lives in.
  void start(const QString& path, qint64 bytes);
  void cancel();
  bool isRunning() const { return thread_ != nullptr; }
  // The digest after finished(): the caller continues it with the bytes that follow.
  std::unique_ptr<QCryptographicHash> takeHash() { return std::move(result_); }

 signals:
  void progress(qint64 bytesDone, qint64 bytesTotal);  // at most every 32 MiB and at the end
  void finished(qint64 bytes);
  void failed(const QString& why);

 private:
  void stopWorker();

  QThread* thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> stop_;
  std::unique_ptr<QCryptographicHash> result_;
  quint64 generation_ = 0;  // reports of a cancelled run are dropped
};

}  // namespace coil::hub
