// The downloads of the Models page (App.models.downloads): a list view of hub::DownloadQueue,
// the persistent queue that survives an app restart. Each row has the bytes done and in
// all, the speed and time left, the status and the error of a failed one; pause, resume,
// cancel (which also deletes what the download left in the cache) and remove.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "download_queue.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

class DownloadListModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.downloads")
  // Downloads not finished or failed: queued, running or paused.
  Q_PROPERTY(int activeCount READ activeCount NOTIFY activeCountChanged)

 public:
  enum Role {
    DownloadIdRole = Qt::UserRole + 1,
    RepoIdRole,
    RevisionRole,
    StatusRole,      // Status
    StatusTextRole,  // "Downloading", ...
    BytesDoneRole,
    BytesTotalRole,
    FractionRole,    // 0..1, 0 while the total is unknown
    BytesTextRole,   // "1.2 MB of 14.5 GB", "checking 3.1 GB of 14.5 GB already downloaded"
    SpeedRole,       // bytes per second while downloading, else 0
    SpeedTextRole,   // "12.3 MB/s"
    EtaSecondsRole,  // -1 when unknown
    EtaTextRole,     // "3 min left"
    ErrorRole,
    SnapshotPathRole,
    CanPauseRole,
    CanResumeRole,
  };
  Q_ENUM(Role)
  // A download's state, for QML (DownloadListModel.Downloading, ...): hub::DownloadQueue's
  // states, with their values, and None (no download of that repo or file).
  enum Status {
    None = -1,
    Queued = int(hub::DownloadQueue::Status::Queued),
    Downloading = int(hub::DownloadQueue::Status::Downloading),
    Paused = int(hub::DownloadQueue::Status::Paused),
    Finished = int(hub::DownloadQueue::Status::Finished),
    Failed = int(hub::DownloadQueue::Status::Failed),
  };
  Q_ENUM(Status)
  static Status status(hub::DownloadQueue::Status s) { return Status(int(s)); }

  DownloadListModel(hub::DownloadQueue* queue, QString cacheDir, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  int activeCount() const;
  // The status of the newest download of a repo, None if there is none.
  Status statusOfRepo(const QString& repoId) const;
  QString idOfRepo(const QString& repoId) const;
  // The download of one file (pattern) of the repo: its status (None) and id ("") if any.
  Status statusOfFile(const QString& repoId, const QString& include) const;
  QString idOfFile(const QString& repoId, const QString& include) const;

  Q_INVOKABLE void pause(const QString& id);
  Q_INVOKABLE void resume(const QString& id);  // also retries a failed one
  // Stops it, forgets it, and deletes its partial files (and the repo's folder in the cache
  // when no complete snapshot of it is there).
  Q_INVOKABLE void cancel(const QString& id);
  // Forgets a finished, failed or paused download; its files stay.
  Q_INVOKABLE void remove(const QString& id);

  // "42 s", "3 min", "1 h 5 min"
  static QString formatDuration(qint64 seconds);
  // Seconds until `total` at this speed, rounded up; -1 when the speed or total is unknown.
  static qint64 etaSeconds(qint64 done, qint64 total, double bytesPerSecond);

 signals:
  void activeCountChanged();
  // cancel() deleted files of the cache.
  void cacheChanged();

 private:
  struct Row {
    hub::DownloadQueue::Entry entry;
    double speed = 0;
    qint64 checkDone = 0;   // re-hashing what an earlier run left before resuming:
    qint64 checkTotal = 0;  // 0 when not checking
  };
  bool isChecking(const Row& r) const;
  void onChecking(const QString& id, qint64 done, qint64 total);
  void reload();
  void onProgress(const QString& id, qint64 done, qint64 total, double speed);
  int rowOf(const QString& id) const;

  hub::DownloadQueue* queue_;
  QString cacheDir_;
  QList<Row> rows_;
  int activeCount_ = 0;
};

}  // namespace coil::app
