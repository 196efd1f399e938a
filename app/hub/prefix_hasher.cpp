#include "prefix_hasher.hpp"

#include <QFile>
#include <QThread>

namespace coil::hub {

namespace {

constexpr qint64 kReadChunk = 1 << 20;
constexpr qint64 kReportEvery = 32ll << 20;

}  // namespace

bool hashFilePrefix(const QString& path, qint64 bytes, QCryptographicHash& hash,
                    const std::function<void(qint64 done)>& progress, const std::atomic<bool>& stop,
                    QString* why) {
  QFile in(path);
  if (!in.open(QIODevice::ReadOnly)) {
    *why = QStringLiteral("Could not read %1: %2").arg(path, in.errorString());
    return false;
  }
  QByteArray buffer(int(kReadChunk), Qt::Uninitialized);
  qint64 done = 0;
  while (done < bytes) {
    if (stop.load(std::memory_order_relaxed)) {
      *why = QStringLiteral("cancelled");
      return false;
    }
    const qint64 want = std::min(kReadChunk, bytes - done);
    const qint64 got = in.read(buffer.data(), want);
    if (got <= 0) {
      *why = got < 0
                 ? QStringLiteral("Could not read %1: %2").arg(path, in.errorString())
                 : QStringLiteral("%1 ended after %2 of %3 bytes").arg(path).arg(done).arg(bytes);
      return false;
    }
    hash.addData(QByteArrayView(buffer.constData(), got));
    done += got;
    if (progress) progress(done);
  }
  return true;
}

PrefixHasher::PrefixHasher(QObject* parent) : QObject(parent) {}

PrefixHasher::~PrefixHasher() {
  stopWorker();
}

void PrefixHasher::stopWorker() {
  ++generation_;
  if (!thread_) return;
  stop_->store(true);
  thread_->wait();  // the worker stops before its next 1 MiB read
  delete thread_;
  thread_ = nullptr;
}

void PrefixHasher::cancel() {
  stopWorker();
}

void PrefixHasher::start(const QString& path, qint64 bytes) {
  stopWorker();
  result_.reset();
  const quint64 generation = generation_;
  stop_ = std::make_shared<std::atomic<bool>>(false);
  auto hash = std::make_shared<std::unique_ptr<QCryptographicHash>>(
      std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256));
  thread_ = QThread::create([this, generation, path, bytes, hash, stop = stop_] {
    // Reports go to this object's thread as queued calls (the object outlives the worker:
    // its destructor waits for it); a report of a run cancelled meanwhile is dropped there.
    auto post = [this, generation](std::function<void(PrefixHasher*)> f) {
      QMetaObject::invokeMethod(
          this,
          [this, generation, f = std::move(f)] {
            if (generation_ == generation) f(this);
          },
          Qt::QueuedConnection);
    };
    qint64 lastReport = 0;
    post([bytes](PrefixHasher* h) { emit h->progress(0, bytes); });
    QString why;
    const bool ok = hashFilePrefix(
        path, bytes, **hash,
        [&](qint64 done) {
          if (done - lastReport < kReportEvery && done < bytes) return;
          lastReport = done;
          post([done, bytes](PrefixHasher* h) { emit h->progress(done, bytes); });
        },
        *stop, &why);
    if (stop->load()) return;
    post([ok, why, bytes, hash](PrefixHasher* h) {
      h->thread_->wait();
      delete h->thread_;
      h->thread_ = nullptr;
      if (!ok) return emit h->failed(why);
      h->result_ = std::move(*hash);
      emit h->finished(bytes);
    });
  });
  thread_->start();
}

}  // namespace coil::hub
