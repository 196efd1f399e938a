#include "model_downloads.hpp"

#include <QTemporaryDir>

#include "banner_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "hub_client.hpp"

namespace coil::app {

ModelDownloads::ModelDownloads(hub::HubClient* client, const QString& stateDir,
                               BannerModel* banners, QObject* parent)
    : QObject(parent), client_(client), banners_(banners) {
  QString dir = stateDir;
  if (dir.isEmpty()) {
    tempState_ = std::make_unique<QTemporaryDir>();
    dir = tempState_->path();
  }
  queue_ = new hub::DownloadQueue(client_, dir, this);
  list_ = new DownloadListModel(queue_, client_->settings().cacheDir, this);
  connect(queue_, &hub::DownloadQueue::finished, this, &ModelDownloads::onFinished);
  connect(queue_, &hub::DownloadQueue::failed, this, &ModelDownloads::onFailed);
  for (auto signal : {&hub::DownloadQueue::entryAdded, &hub::DownloadQueue::entryChanged,
                      &hub::DownloadQueue::entryRemoved})
    connect(queue_, signal, this, &ModelDownloads::changed);
}

ModelDownloads::~ModelDownloads() {
  // The running download stops first (its partial file stays for the next start).
  delete queue_;
  queue_ = nullptr;
}

void ModelDownloads::start() {
  queue_->start();
}

DownloadListModel::Status ModelDownloads::statusOf(const QString& repoId,
                                                   const QString& include) const {
  return include.isEmpty() ? list_->statusOfRepo(repoId) : list_->statusOfFile(repoId, include);
}

QString ModelDownloads::enqueue(const QString& id, const QString& include) {
  if (client_->settings().offline) {
    emit messageRaised(tr("Offline (HF_HUB_OFFLINE is set): %1 cannot be downloaded.").arg(id));
    return {};
  }
  const DownloadListModel::Status status = statusOf(id, include);
  const QString existing = include.isEmpty() ? list_->idOfRepo(id) : list_->idOfFile(id, include);
  if (status == DownloadListModel::Queued || status == DownloadListModel::Downloading)
    return existing;
  if (status == DownloadListModel::Paused || status == DownloadListModel::Failed) {
    queue_->resume(existing);
    return existing;
  }
  if (banners_) banners_->dismiss(QStringLiteral("download-failed"));
  return queue_->enqueue(id, QStringLiteral("main"),
                         include.isEmpty() ? QStringList() : QStringList{include});
}

void ModelDownloads::onFinished(const QString& id, const QString& path) {
  const auto entry = queue_->entry(id);
  const QString repoId = entry ? entry->repoId : QString();
  if (banners_)
    banners_->show({QStringLiteral("download-finished"), BannerModel::Info,
                    tr("%1 is downloaded").arg(repoId), path,
                    tr("Open Models, Installed, and choose “Use in new chat”.")});
  emit finished(repoId, path);
}

void ModelDownloads::onFailed(const QString& id, const QString& message) {
  const auto entry = queue_->entry(id);
  const QString repoId = entry ? entry->repoId : id;
  emit messageRaised(tr("The download of %1 failed: %2").arg(repoId, message));
  if (banners_)
    banners_->show({QStringLiteral("download-failed"), BannerModel::Error,
                    tr("The download of %1 failed").arg(repoId), message,
                    tr("Resume it on the Models page (Downloads) once the cause is "
                       "fixed; what was downloaded is kept.")});
  emit failed(repoId, message);
}

}  // namespace coil::app
