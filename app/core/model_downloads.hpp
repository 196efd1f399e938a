// The Models page's downloads: the persistent hub::DownloadQueue (kept in the data folder,
// started with the app, so unfinished downloads continue after a restart), its list model
// (App.models.downloads), queuing a repo or one file of it (resuming one that was paused or
// failed rather than queuing it twice), and the banners of a finished or failed download.
#pragma once
#include <QObject>
#include <QString>
#include <memory>

#include "download_list_model.hpp"

class QTemporaryDir;

namespace coil::hub {
class HubClient;
class DownloadQueue;
}  // namespace coil::hub

namespace coil::app {

class BannerModel;

class ModelDownloads : public QObject {
  Q_OBJECT
 public:
  // `stateDir` "" (an in-memory app): the queue is kept in a temporary folder.
  ModelDownloads(hub::HubClient* client, const QString& stateDir, BannerModel* banners,
                 QObject* parent = nullptr);
  ~ModelDownloads() override;  // the running download stops (its partial file stays)

  DownloadListModel* list() const { return list_; }
  hub::DownloadQueue* queue() const { return queue_; }
  // Runs the queue: unfinished downloads of the last session continue.
  void start();

  // Queues the repo's main revision (`include` "": every file; else that file or pattern);
  // returns the download's id, "" when refused (offline: with messageRaised).
  QString enqueue(const QString& repoId, const QString& include);
  // The status name of the repo's (or that file's) newest download, "" if none.
  DownloadListModel::Status statusOf(const QString& repoId, const QString& include = {}) const;

 signals:
  void finished(const QString& repoId, const QString& snapshotPath);
  void failed(const QString& repoId, const QString& message);
  void changed();  // an entry was added, changed or removed
  void messageRaised(const QString& message);

 private:
  void onFinished(const QString& id, const QString& path);
  void onFailed(const QString& id, const QString& message);

  hub::HubClient* client_;
  BannerModel* banners_;
  std::unique_ptr<QTemporaryDir> tempState_;
  hub::DownloadQueue* queue_ = nullptr;
  DownloadListModel* list_ = nullptr;
};

}  // namespace coil::app
