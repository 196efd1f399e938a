#include "download_list_model.hpp"

#include <cmath>

#include "installed_model.hpp"
#include "resource_estimate.hpp"

namespace coil::app {

using QueueStatus = hub::DownloadQueue::Status;

DownloadListModel::DownloadListModel(hub::DownloadQueue* queue, QString cacheDir, QObject* parent)
    : SyncedListModel(parent), queue_(queue), cacheDir_(std::move(cacheDir)) {
  connect(queue_, &hub::DownloadQueue::entryAdded, this, &DownloadListModel::reload);
  connect(queue_, &hub::DownloadQueue::entryChanged, this, &DownloadListModel::reload);
  connect(queue_, &hub::DownloadQueue::entryRemoved, this, &DownloadListModel::reload);
  connect(queue_, &hub::DownloadQueue::progress, this, &DownloadListModel::onProgress);
  connect(queue_, &hub::DownloadQueue::checking, this, &DownloadListModel::onChecking);
  reload();
}

int DownloadListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QString DownloadListModel::formatDuration(qint64 s) {
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) return QStringLiteral("%1 min").arg((s + 30) / 60);
  const qint64 minutes = (s + 30) / 60;
  return QStringLiteral("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
}

namespace {

QString statusText(QueueStatus s) {
  switch (s) {
    case QueueStatus::Queued:
      return QStringLiteral("Queued");
    case QueueStatus::Downloading:
      return QStringLiteral("Downloading");
    case QueueStatus::Paused:
      return QStringLiteral("Paused");
    case QueueStatus::Finished:
      return QStringLiteral("Finished");
    case QueueStatus::Failed:
      return QStringLiteral("Failed");
  }
  return {};
}

qint64 etaOf(const hub::DownloadQueue::Entry& e, double speed) {
  if (e.status != QueueStatus::Downloading) return -1;
  return DownloadListModel::etaSeconds(e.bytesDone, e.bytesTotal, speed);
}

}  // namespace

bool DownloadListModel::isChecking(const Row& r) const {
  return r.checkTotal > 0 && r.checkDone < r.checkTotal &&
         r.entry.status == QueueStatus::Downloading;
}

qint64 DownloadListModel::etaSeconds(qint64 done, qint64 total, double bytesPerSecond) {
  if (bytesPerSecond <= 0 || total <= 0) return -1;
  return qint64(std::ceil(double(std::max<qint64>(0, total - done)) / bytesPerSecond));
}

QVariant DownloadListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Row& r = rows_[index.row()];
  const hub::DownloadQueue::Entry& e = r.entry;
  const double speed = e.status == QueueStatus::Downloading ? r.speed : 0.0;
  switch (role) {
    case DownloadIdRole:
      return e.id;
    case Qt::DisplayRole:
    case RepoIdRole:
      return e.repoId;
    case RevisionRole:
      return e.revision;
    case StatusRole:
      return int(status(e.status));
    case StatusTextRole:
      return isChecking(r) ? QStringLiteral("Checking") : statusText(e.status);
    case BytesDoneRole:
      return e.bytesDone;
    case BytesTotalRole:
      return e.bytesTotal;
    case FractionRole:
      if (isChecking(r)) return qBound(0.0, double(r.checkDone) / double(r.checkTotal), 1.0);
      return e.bytesTotal > 0 ? qBound(0.0, double(e.bytesDone) / double(e.bytesTotal), 1.0) : 0.0;
    case BytesTextRole:
      if (isChecking(r))
        return QStringLiteral("checking %1 of %2 already downloaded")
            .arg(hub::formatBytes(r.checkDone), hub::formatBytes(r.checkTotal));
      return e.bytesTotal > 0
                 ? QStringLiteral("%1 of %2")
                       .arg(hub::formatBytes(e.bytesDone), hub::formatBytes(e.bytesTotal))
                 : hub::formatBytes(e.bytesDone);
    case SpeedRole:
      return speed;
    case SpeedTextRole:
      return speed > 0 ? hub::formatBytes(qint64(speed)) + QStringLiteral("/s") : QString();
    case EtaSecondsRole:
      return etaOf(e, speed);
    case EtaTextRole: {
      const qint64 eta = etaOf(e, speed);
      return eta >= 0 ? QStringLiteral("%1 left").arg(formatDuration(eta)) : QString();
    }
    case ErrorRole:
      return e.error;
    case SnapshotPathRole:
      return e.snapshotPath;
    case CanPauseRole:
      return e.status == QueueStatus::Queued || e.status == QueueStatus::Downloading;
    case CanResumeRole:
      return e.status == QueueStatus::Paused || e.status == QueueStatus::Failed;
  }
  return {};
}

QHash<int, QByteArray> DownloadListModel::roleNames() const {
  return {{DownloadIdRole, "downloadId"},     {RepoIdRole, "repoId"},
          {RevisionRole, "revision"},         {StatusRole, "status"},
          {StatusTextRole, "statusText"},     {BytesDoneRole, "bytesDone"},
          {BytesTotalRole, "bytesTotal"},     {FractionRole, "fraction"},
          {BytesTextRole, "bytesText"},       {SpeedRole, "speed"},
          {SpeedTextRole, "speedText"},       {EtaSecondsRole, "etaSeconds"},
          {EtaTextRole, "etaText"},           {ErrorRole, "error"},
          {SnapshotPathRole, "snapshotPath"}, {CanPauseRole, "canPause"},
          {CanResumeRole, "canResume"}};
}

int DownloadListModel::rowOf(const QString& id) const {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].entry.id == id) return i;
  return -1;
}

void DownloadListModel::reload() {
  QList<Row> next;
  for (const hub::DownloadQueue::Entry& e : queue_->entries()) {
    const int i = rowOf(e.id);
    next << (i >= 0 ? Row{e, rows_[i].speed, rows_[i].checkDone, rows_[i].checkTotal} : Row{e});
  }
  sync(rows_, next, [](const Row& r) { return r.entry.id; });
  const int active = activeCount();
  if (active != activeCount_) {
    activeCount_ = active;
    emit activeCountChanged();
  }
}

void DownloadListModel::onProgress(const QString& id, qint64 done, qint64 total, double speed) {
  const int i = rowOf(id);
  if (i < 0) return;
  rows_[i].entry.bytesDone = done;
  rows_[i].entry.bytesTotal = total;
  rows_[i].speed = speed;
  emit dataChanged(index(i), index(i));
}

void DownloadListModel::onChecking(const QString& id, qint64 done, qint64 total) {
  const int i = rowOf(id);
  if (i < 0) return;
  rows_[i].checkDone = done;
  rows_[i].checkTotal = total;
  emit dataChanged(index(i), index(i));
}

int DownloadListModel::activeCount() const {
  int n = 0;
  for (const Row& r : rows_)
    n += r.entry.status == QueueStatus::Queued || r.entry.status == QueueStatus::Downloading ||
         r.entry.status == QueueStatus::Paused;
  return n;
}

DownloadListModel::Status DownloadListModel::statusOfRepo(const QString& repoId) const {
  for (int i = int(rows_.size()) - 1; i >= 0; --i)
    if (rows_[i].entry.repoId == repoId) return status(rows_[i].entry.status);
  return None;
}

QString DownloadListModel::idOfRepo(const QString& repoId) const {
  for (int i = int(rows_.size()) - 1; i >= 0; --i)
    if (rows_[i].entry.repoId == repoId) return rows_[i].entry.id;
  return {};
}

DownloadListModel::Status DownloadListModel::statusOfFile(const QString& repoId,
                                                          const QString& include) const {
  for (int i = int(rows_.size()) - 1; i >= 0; --i)
    if (rows_[i].entry.repoId == repoId && rows_[i].entry.include == QStringList{include})
      return status(rows_[i].entry.status);
  return None;
}

QString DownloadListModel::idOfFile(const QString& repoId, const QString& include) const {
  for (int i = int(rows_.size()) - 1; i >= 0; --i)
    if (rows_[i].entry.repoId == repoId && rows_[i].entry.include == QStringList{include})
      return rows_[i].entry.id;
  return {};
}

void DownloadListModel::pause(const QString& id) {
  queue_->pause(id);
}

void DownloadListModel::resume(const QString& id) {
  queue_->resume(id);
}

void DownloadListModel::cancel(const QString& id) {
  const auto entry = queue_->entry(id);
  if (!entry) return;
  queue_->cancel(id);
  for (const hub::DownloadQueue::Entry& other : queue_->entries())
    if (other.repoId == entry->repoId && other.status != QueueStatus::Finished) return;
  discardIncompleteDownload(cacheDir_, entry->repoId);
  emit cacheChanged();
}

void DownloadListModel::remove(const QString& id) {
  queue_->remove(id);
}

}  // namespace coil::app
