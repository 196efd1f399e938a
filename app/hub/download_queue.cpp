#include "download_queue.hpp"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUuid>

#include "coil/atomic_file.hpp"
#include "hub_client.hpp"
#include "json_document.hpp"

namespace coil::hub {

namespace {

QString statusName(DownloadQueue::Status s) {
  switch (s) {
    case DownloadQueue::Status::Queued:
      return QStringLiteral("queued");
    case DownloadQueue::Status::Downloading:
      return QStringLiteral("downloading");
    case DownloadQueue::Status::Paused:
      return QStringLiteral("paused");
    case DownloadQueue::Status::Finished:
      return QStringLiteral("finished");
    case DownloadQueue::Status::Failed:
      return QStringLiteral("failed");
  }
  return QStringLiteral("queued");
}

DownloadQueue::Status statusFromName(const QString& name) {
  if (name == QLatin1String("paused")) return DownloadQueue::Status::Paused;
  if (name == QLatin1String("finished")) return DownloadQueue::Status::Finished;
  if (name == QLatin1String("failed")) return DownloadQueue::Status::Failed;
  return DownloadQueue::Status::Queued;  // "downloading" was interrupted: run it again
}

}  // namespace

DownloadQueue::DownloadQueue(HubClient* client, QString stateDir, QObject* parent)
    : QObject(parent), client_(client), stateDir_(std::move(stateDir)) {
  load();
}

DownloadQueue::~DownloadQueue() {
  if (active_) {
    active_->disconnect(this);
    delete active_;  // keeps its partial file
  }
  // The running entry stays "downloading" on disk: it is queued again on the next load.
}

QString DownloadQueue::stateFile() const {
  return stateDir_ + QStringLiteral("/downloads.json");
}

int DownloadQueue::indexOf(const QString& id) const {
  for (int i = 0; i < entries_.size(); ++i)
    if (entries_[i].id == id) return i;
  return -1;
}

std::optional<DownloadQueue::Entry> DownloadQueue::entry(const QString& id) const {
  const int i = indexOf(id);
  if (i < 0) return std::nullopt;
  return entries_[i];
}

void DownloadQueue::load() {
  const QJsonArray list = readJsonObjectFile(stateFile()).value(QLatin1String("entries")).toArray();
  for (const QJsonValue& v : list) {
    const QJsonObject o = v.toObject();
    Entry e;
    e.id = o.value(QLatin1String("id")).toString();
    e.repoId = o.value(QLatin1String("repo_id")).toString();
    if (e.id.isEmpty() || e.repoId.isEmpty()) continue;
    e.revision = o.value(QLatin1String("revision")).toString(QStringLiteral("main"));
    for (const QJsonValue& p : o.value(QLatin1String("include")).toArray())
      e.include << p.toString();
    e.status = statusFromName(o.value(QLatin1String("status")).toString());
    e.error = o.value(QLatin1String("error")).toString();
    e.snapshotPath = o.value(QLatin1String("snapshot")).toString();
    e.bytesDone = o.value(QLatin1String("bytes_done")).toInteger();
    e.bytesTotal = o.value(QLatin1String("bytes_total")).toInteger();
    entries_ << e;
  }
}

void DownloadQueue::save() {
  QJsonArray list;
  for (const Entry& e : entries_) {
    QJsonObject o{{QStringLiteral("id"), e.id},
                  {QStringLiteral("repo_id"), e.repoId},
                  {QStringLiteral("revision"), e.revision},
                  {QStringLiteral("include"), QJsonArray::fromStringList(e.include)},
                  {QStringLiteral("status"), statusName(e.status)},
                  {QStringLiteral("bytes_done"), e.bytesDone},
                  {QStringLiteral("bytes_total"), e.bytesTotal}};
    if (!e.error.isEmpty()) o.insert(QStringLiteral("error"), e.error);
    if (!e.snapshotPath.isEmpty()) o.insert(QStringLiteral("snapshot"), e.snapshotPath);
    list << o;
  }
  QDir().mkpath(stateDir_);
  const QByteArray json =
      QJsonDocument(QJsonObject{{QStringLiteral("version"), 1}, {QStringLiteral("entries"), list}})
          .toJson();
  try {
    write_file_atomically(QFile::encodeName(stateFile()).toStdString(), json.constData(),
                          size_t(json.size()));
  } catch (const coil::Error&) {
    // as before: the queue lives on in memory; the next change tries to save it again
  }
  lastSaveMs_ = QDateTime::currentMSecsSinceEpoch();
}

void DownloadQueue::update(const QString& id, const std::function<void(Entry&)>& change) {
  const int i = indexOf(id);
  if (i < 0) return;
  change(entries_[i]);
  save();
  emit entryChanged(id);
}

void DownloadQueue::start() {
  started_ = true;
  schedule();
}

QString DownloadQueue::enqueue(const QString& repoId, const QString& revision,
                               const QStringList& include) {
  Entry e;
  e.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
  e.repoId = repoId;
  e.revision = revision.isEmpty() ? QStringLiteral("main") : revision;
  e.include = include;
  entries_ << e;
  save();
  emit entryAdded(e.id);
  schedule();
  return e.id;
}

void DownloadQueue::pause(const QString& id) {
  const int i = indexOf(id);
  if (i < 0) return;
  const Status s = entries_[i].status;
  if (s != Status::Queued && s != Status::Downloading) return;
  if (id == activeId_) stopActive(false);
  update(id, [](Entry& e) { e.status = Status::Paused; });
  schedule();
}

void DownloadQueue::resume(const QString& id) {
  const int i = indexOf(id);
  if (i < 0 || (entries_[i].status != Status::Paused && entries_[i].status != Status::Failed))
    return;
  update(id, [](Entry& e) {
    e.status = Status::Queued;
    e.error.clear();
  });
  schedule();
}

void DownloadQueue::cancel(const QString& id) {
  const int i = indexOf(id);
  if (i < 0) return;
  // Only the running download has a partial file in progress; a queued or paused entry's
  // partial stays in the cache (a later download of the same repo resumes from it).
  if (id == activeId_) stopActive(true);
  remove(id);
}

void DownloadQueue::remove(const QString& id) {
  const int i = indexOf(id);
  if (i < 0) return;
  if (id == activeId_) stopActive(false);
  entries_.removeAt(i);
  save();
  emit entryRemoved(id);
  schedule();
}

void DownloadQueue::stopActive(bool cancel) {
  if (!active_) return;
  SnapshotDownloader* d = active_;
  active_ = nullptr;
  activeId_.clear();
  d->disconnect(this);
  if (cancel) d->cancel();
  d->deleteLater();  // its destructor stops the transfer and keeps the partial (unless cancelled)
}

void DownloadQueue::schedule() {
  if (!started_ || active_) return;
  QTimer::singleShot(0, this, [this] { runNext(); });
}

void DownloadQueue::runNext() {
  if (!started_ || active_) return;
  for (const Entry& e : std::as_const(entries_)) {
    if (e.status != Status::Queued && e.status != Status::Downloading) continue;
    const QString id = e.id;
    auto* d =
        new SnapshotDownloader(client_, DownloadRequest{e.repoId, e.revision, e.include}, this);
    active_ = d;
    activeId_ = id;
    connect(d, &SnapshotDownloader::progress, this,
            [this, id](qint64 done, qint64 total, double speed) {
              const int i = indexOf(id);
              if (i < 0) return;
              entries_[i].bytesDone = done;
              entries_[i].bytesTotal = total;
              if (QDateTime::currentMSecsSinceEpoch() - lastSaveMs_ > 2000) save();
              emit progress(id, done, total, speed);
            });
    connect(d, &SnapshotDownloader::checking, this,
            [this, id](qint64 done, qint64 total) { emit checking(id, done, total); });
    connect(d, &SnapshotDownloader::finished, this, [this, id, d](const QString& path) {
      active_ = nullptr;
      activeId_.clear();
      d->deleteLater();
      update(id, [&](Entry& e) {
        e.status = Status::Finished;
        e.snapshotPath = path;
        e.bytesDone = e.bytesTotal = d->bytesTotal();
      });
      emit finished(id, path);
      schedule();
    });
    connect(d, &SnapshotDownloader::failed, this, [this, id, d](const QString& message) {
      active_ = nullptr;
      activeId_.clear();
      d->deleteLater();
      update(id, [&](Entry& e) {
        e.status = Status::Failed;
        e.error = message;
      });
      emit failed(id, message);
      schedule();
    });
    update(id, [](Entry& e) { e.status = Status::Downloading; });
    d->start();
    return;
  }
}

}  // namespace coil::hub
