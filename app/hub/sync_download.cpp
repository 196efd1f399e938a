#include "sync_download.hpp"

#include <QEventLoop>

#include "hub_client.hpp"

namespace coil::hub {

SyncDownloadResult downloadSnapshotSync(HubClient* client, const DownloadRequest& request,
                                        const std::function<void(SnapshotDownloader*)>& observe) {
  SnapshotDownloader downloader(client, request);
  QEventLoop loop;
  QObject::connect(&downloader, &SnapshotDownloader::finished, &loop, &QEventLoop::quit);
  QObject::connect(&downloader, &SnapshotDownloader::failed, &loop, &QEventLoop::quit);
  QObject::connect(&downloader, &SnapshotDownloader::cancelled, &loop, &QEventLoop::quit);
  if (observe) observe(&downloader);
  downloader.start();
  const auto done = [&] {
    const DownloadState s = downloader.state();
    return s == DownloadState::Finished || s == DownloadState::Failed ||
           s == DownloadState::Cancelled;
  };
  if (!done()) loop.exec();

  SyncDownloadResult r;
  r.memory = downloader.memoryEstimate();
  r.fromCache = downloader.servedFromCache();
  if (downloader.state() == DownloadState::Finished)
    r.snapshotDir = downloader.snapshotDir();
  else if (downloader.state() == DownloadState::Cancelled)
    r.error =
        HubError::make(HubErrorKind::Cancelled, QStringLiteral("The download was cancelled."));
  else
    r.error = downloader.error();
  return r;
}

}  // namespace coil::hub
