// A repo (or the files of it that match --include) into the cache at one revision, like
// huggingface_hub's snapshot_download. A snapshot that is already complete in the cache is
// used without any network access; HF_HUB_OFFLINE uses the cache or fails clearly.
// Before downloading: the free-space check against the bytes still missing. Once config.json
// is there: an estimate of the memory the model needs (memoryEstimated).
#pragma once
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTimer>
#include <optional>

#include "hub_error.hpp"
#include "hub_types.hpp"
#include "repo_cache.hpp"
#include "resource_estimate.hpp"

namespace coil::hub {

class HubClient;
class FileDownloader;

struct DownloadRequest {
  QString repoId;
  QString revision = QStringLiteral("main");
  QStringList include;  // glob patterns; empty = every file
};

enum class DownloadState { Idle, Resolving, Downloading, Paused, Finished, Failed, Cancelled };

class SnapshotDownloader : public QObject {
  Q_OBJECT
 public:
  SnapshotDownloader(HubClient* client, DownloadRequest request, QObject* parent = nullptr);
  ~SnapshotDownloader() override;  // stops; partial files stay for a later resume

  void start();
  void pause();  // keeps partial files
  void resume();
  void cancel();  // deletes the partial file of the file in progress

  const DownloadRequest& request() const { return request_; }
  DownloadState state() const { return state_; }
  const HubError& error() const { return error_; }
  QString commit() const { return commit_; }
  QString snapshotDir() const;
  qint64 bytesDone() const;
  qint64 bytesTotal() const { return totalBytes_; }
  const QList<RepoFile>& files() const { return files_; }
  const std::optional<MemoryEstimate>& memoryEstimate() const { return estimate_; }
  // Whether the snapshot was complete in the cache already (no network used).
  bool servedFromCache() const { return fromCache_; }

 signals:
  void stateChanged(coil::hub::DownloadState state);
  void progress(qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond);
  void fileStarted(const QString& path, qint64 size);
  // Re-hashing what an earlier run left of the file in progress (on a worker thread).
  void checking(qint64 bytesDone, qint64 bytesTotal);
  void memoryEstimated(const coil::hub::MemoryEstimate& estimate);
  void finished(const QString& snapshotDir);
  void failed(const QString& message);
  void cancelled();

 private:
  void setState(DownloadState state);
  void fail(HubError error);
  bool finishFromCache(const QString& commit);
  void onInfo(const RepoInfo& info);
  void onTree(const QList<RepoFile>& tree);
  void nextFile();
  void onFileProgress(qint64 done);
  void emitProgress(bool force);
  void updateMemoryEstimate();
  void resolve();
  void complete();

  HubClient* client_;
  DownloadRequest request_;
  RepoCache cache_;
  DownloadState state_ = DownloadState::Idle;
  HubError error_;
  QString commit_;
  bool fromCache_ = false;
  bool treeReady_ = false;
  bool resolving_ = false;  // an API request is in flight

  QList<RepoFile> files_;
  int index_ = 0;
  QPointer<FileDownloader> current_;
  qint64 totalBytes_ = 0;
  qint64 completedBytes_ = 0;  // files finished
  qint64 currentBytes_ = 0;    // of the file in progress
  std::optional<MemoryEstimate> estimate_;

  QElapsedTimer clock_;
  qint64 lastEmitMs_ = -1;
  // Fires the update a throttled report held back, and re-reports every second while a
  // file is downloading, so a stalled transfer shows its real bytes and a falling speed.
  QTimer progressTimer_;
  QList<QPair<qint64, qint64>> samples_;  // (ms, bytes transferred) for the speed
  qint64 transferred_ = 0;
};

}  // namespace coil::hub

Q_DECLARE_METATYPE(coil::hub::DownloadState)
