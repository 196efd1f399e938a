#include "snapshot_downloader.hpp"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTimer>
#include <algorithm>

#include "file_downloader.hpp"
#include "glob_match.hpp"
#include "http_util.hpp"
#include "hub_client.hpp"
#include "json_document.hpp"

namespace coil::hub {

namespace {

bool isWeightFile(const QString& path) {
  static const char* suffixes[] = {".safetensors", ".bin", ".gguf",    ".pt",   ".pth",
                                   ".ckpt",        ".h5",  ".msgpack", ".onnx", ".pb"};
  for (const char* s : suffixes)
    if (path.endsWith(QLatin1String(s), Qt::CaseInsensitive)) return true;
  return false;
}

QString revisionOf(const DownloadRequest& r) {
  return r.revision.isEmpty() ? QStringLiteral("main") : r.revision;
}

}  // namespace

SnapshotDownloader::SnapshotDownloader(HubClient* client, DownloadRequest request, QObject* parent)
    : QObject(parent),
      client_(client),
      request_(std::move(request)),
      cache_(client->settings().cacheDir, request_.repoId) {
  progressTimer_.setSingleShot(true);
  connect(&progressTimer_, &QTimer::timeout, this, [this] {
    if (state_ == DownloadState::Downloading) emitProgress(true);
  });
}

SnapshotDownloader::~SnapshotDownloader() = default;

QString SnapshotDownloader::snapshotDir() const {
  return commit_.isEmpty() ? QString() : cache_.snapshotDir(commit_);
}

qint64 SnapshotDownloader::bytesDone() const {
  return completedBytes_ + currentBytes_;
}

void SnapshotDownloader::setState(DownloadState state) {
  if (state_ == state) return;
  state_ = state;
  if (state_ != DownloadState::Downloading) progressTimer_.stop();
  emit stateChanged(state);
}

void SnapshotDownloader::fail(HubError error) {
  if (state_ == DownloadState::Failed || state_ == DownloadState::Cancelled) return;
  if (current_) {
    current_->disconnect(this);
    current_->deleteLater();
    current_ = nullptr;
  }
  error_ = std::move(error);
  setState(DownloadState::Failed);
  emit failed(error_.message);
}

void SnapshotDownloader::start() {
  if (state_ == DownloadState::Paused) return resume();
  if (state_ == DownloadState::Resolving || state_ == DownloadState::Downloading) return;
  error_ = {};
  commit_.clear();
  fromCache_ = treeReady_ = false;
  files_.clear();
  index_ = 0;
  totalBytes_ = completedBytes_ = currentBytes_ = transferred_ = 0;
  samples_.clear();
  lastEmitMs_ = -1;
  estimate_.reset();
  clock_.start();
  setState(DownloadState::Resolving);

  // A complete snapshot in the cache: no network at all.
  const std::optional<QString> cached = cache_.resolveRevision(revisionOf(request_));
  if (cached && cache_.looksComplete(*cached, request_.include)) {
    QTimer::singleShot(0, this, [this, commit = *cached] {
      if (state_ == DownloadState::Resolving || state_ == DownloadState::Paused)
        finishFromCache(commit);
    });
    return;
  }
  if (client_->settings().offline) {
    QTimer::singleShot(0, this, [this] {
      fail(HubError::make(HubErrorKind::Offline,
                          QStringLiteral("HF_HUB_OFFLINE is set and '%1' (revision %2) is not "
                                         "completely in the cache at %3.")
                              .arg(request_.repoId, revisionOf(request_), cache_.repoDir())));
    });
    return;
  }
  resolve();
}

void SnapshotDownloader::resolve() {
  resolving_ = true;
  client_->repoInfo(request_.repoId, revisionOf(request_), this,
                    [this](const RepoInfo& info, const HubError& err) {
                      resolving_ = false;
                      if (state_ != DownloadState::Resolving && state_ != DownloadState::Paused)
                        return;
                      if (err) return fail(err);
                      onInfo(info);
                    });
}

void SnapshotDownloader::onInfo(const RepoInfo& info) {
  commit_ = info.sha;
  if (cache_.looksComplete(commit_, request_.include)) {  // e.g. main moved back, or a new ref name
    finishFromCache(commit_);
    return;
  }
  resolving_ = true;
  client_->repoTree(request_.repoId, commit_, this,
                    [this](const QList<RepoFile>& tree, const HubError& err) {
                      resolving_ = false;
                      if (state_ != DownloadState::Resolving && state_ != DownloadState::Paused)
                        return;
                      if (err) return fail(err);
                      onTree(tree);
                    });
}

void SnapshotDownloader::onTree(const QList<RepoFile>& tree) {
  files_.clear();
  for (const RepoFile& f : tree)
    if (matchesAny(request_.include, f.path)) files_ << f;
  if (files_.isEmpty())
    return fail(HubError::make(
        HubErrorKind::InvalidArgument,
        tree.isEmpty() ? QStringLiteral("Repository '%1' has no files at revision %2.")
                             .arg(request_.repoId, revisionOf(request_))
                       : QStringLiteral("No file of '%1' matches --include %2.")
                             .arg(request_.repoId, request_.include.join(QLatin1String(", ")))));
  // Small files (config, tokenizer, index) first, weights last: a snapshot whose weights are
  // all there is complete (see RepoCache::looksComplete).
  std::stable_sort(files_.begin(), files_.end(), [](const RepoFile& a, const RepoFile& b) {
    const bool wa = isWeightFile(a.path), wb = isWeightFile(b.path);
    return wa != wb ? !wa : a.path < b.path;
  });

  qint64 needed = 0;
  totalBytes_ = 0;
  for (const RepoFile& f : files_) {
    totalBytes_ += f.size;
    if (cache_.hasSnapshotFile(commit_, f.path, f.size)) continue;
    const QString etag = f.isLfs() ? f.lfsSha256 : f.blobId;
    if (!etag.isEmpty() && QFileInfo(cache_.blobPath(etag)).size() == f.size &&
        QFileInfo::exists(cache_.blobPath(etag)))
      continue;
    const qint64 partial = etag.isEmpty() ? 0 : QFileInfo(cache_.incompletePath(etag)).size();
    needed += std::max<qint64>(0, f.size - partial);
  }
  const DiskCheck disk = checkFreeSpace(cache_.repoDir(), needed);
  if (!disk.ok) return fail(HubError::make(HubErrorKind::DiskFull, disk.message));

  const QString rev = revisionOf(request_);
  if (rev != commit_) {
    QString err;
    if (!cache_.writeRef(rev, commit_, &err))
      return fail(HubError::make(HubErrorKind::Io,
                                 QStringLiteral("Could not update the cache: %1").arg(err)));
  }
  treeReady_ = true;
  updateMemoryEstimate();
  if (state_ == DownloadState::Paused) {
    emitProgress(true);
    return;
  }
  setState(DownloadState::Downloading);
  nextFile();
}

void SnapshotDownloader::nextFile() {
  while (index_ < files_.size()) {
    const RepoFile& f = files_[index_];
    if (cache_.hasSnapshotFile(commit_, f.path, f.size)) {
      completedBytes_ += f.size;
      ++index_;
      continue;
    }
    auto* d = new FileDownloader(
        client_, FileTask{request_.repoId, commit_, f.path, f.size, f.lfsSha256}, this);
    current_ = d;
    currentBytes_ = 0;
    auto baseline = std::make_shared<bool>(false);
    connect(d, &FileDownloader::progress, this, [this, baseline](qint64 done, qint64) {
      if (!*baseline) {  // the first report is what an earlier run left: not transferred now
        *baseline = true;
        currentBytes_ = done;
        return emitProgress(false);
      }
      onFileProgress(done);
    });
    connect(d, &FileDownloader::finished, this, [this, d] {
      completedBytes_ += files_[index_].size;
      currentBytes_ = 0;
      const bool wasConfig = files_[index_].path == QLatin1String("config.json");
      ++index_;
      current_ = nullptr;
      d->deleteLater();
      if (wasConfig) updateMemoryEstimate();
      emitProgress(false);
      if (state_ == DownloadState::Downloading) nextFile();
    });
    connect(d, &FileDownloader::failed, this, [this](const HubError& e) { fail(e); });
    connect(d, &FileDownloader::checking, this, &SnapshotDownloader::checking);
    emit fileStarted(f.path, f.size);
    d->start();
    return;
  }
  complete();
}

void SnapshotDownloader::onFileProgress(qint64 done) {
  if (done > currentBytes_) transferred_ += done - currentBytes_;
  currentBytes_ = done;
  emitProgress(false);
}

void SnapshotDownloader::emitProgress(bool force) {
  const qint64 now = clock_.isValid() ? clock_.elapsed() : 0;
  if (!force && lastEmitMs_ >= 0 && now - lastEmitMs_ < 100) {
    const int wait = int(100 - (now - lastEmitMs_));
    if (!progressTimer_.isActive() || progressTimer_.remainingTime() > wait)
      progressTimer_.start(wait);  // the held-back bytes are reported then
    return;
  }
  lastEmitMs_ = now;
  if (state_ == DownloadState::Downloading) progressTimer_.start(1000);
  samples_.append({now, transferred_});
  while (samples_.size() > 2 && now - samples_.first().first > 5000) samples_.removeFirst();
  double speed = 0;
  const qint64 dt = now - samples_.first().first;
  if (dt > 0) speed = double(transferred_ - samples_.first().second) * 1000.0 / double(dt);
  emit progress(bytesDone(), totalBytes_, speed);
}

void SnapshotDownloader::updateMemoryEstimate() {
  if (estimate_ || commit_.isEmpty()) return;
  const QJsonObject config = readJsonObjectFile(
      cache_.snapshotFile(commit_, QStringLiteral("config.json")), kSmallJsonFileBytes);
  if (config.isEmpty()) return;
  qint64 weights = 0;
  for (const RepoFile& file : files_)
    if (file.path.endsWith(QLatin1String(".safetensors"))) weights += file.size;
  if (files_.isEmpty()) weights = cache_.snapshotBytes(commit_, QStringLiteral(".safetensors"));
  const MemoryEstimate e = coil::hub::estimateMemory(config, weights);
  if (!e.valid) return;
  estimate_ = e;
  emit memoryEstimated(e);
}

bool SnapshotDownloader::finishFromCache(const QString& commit) {
  commit_ = commit;
  fromCache_ = true;
  const QString rev = revisionOf(request_);
  if (rev != commit_) cache_.writeRef(rev, commit_, nullptr);
  totalBytes_ = 0;
  for (const QString& f : cache_.snapshotFiles(commit_))
    if (matchesAny(request_.include, f))
      totalBytes_ += QFileInfo(cache_.snapshotFile(commit_, f)).size();
  completedBytes_ = totalBytes_;
  currentBytes_ = 0;
  complete();
  return true;
}

void SnapshotDownloader::complete() {
  updateMemoryEstimate();
  setState(DownloadState::Finished);
  emitProgress(true);
  emit finished(snapshotDir());
}

void SnapshotDownloader::pause() {
  if (state_ == DownloadState::Downloading) {
    if (current_) current_->pause();
    setState(DownloadState::Paused);
    emitProgress(true);
  } else if (state_ == DownloadState::Resolving) {
    setState(DownloadState::Paused);  // the small API answers still arrive; no file starts
  }
}

void SnapshotDownloader::resume() {
  if (state_ != DownloadState::Paused) return;
  if (!treeReady_) {
    setState(DownloadState::Resolving);
    if (!resolving_) {
      if (commit_.isEmpty())
        resolve();
      else
        onInfo(RepoInfo{{}, commit_, 0, {}});
    }
    return;
  }
  setState(DownloadState::Downloading);
  if (current_)
    current_->start();
  else
    nextFile();
}

void SnapshotDownloader::cancel() {
  if (state_ == DownloadState::Finished || state_ == DownloadState::Failed ||
      state_ == DownloadState::Cancelled || state_ == DownloadState::Idle)
    return;
  if (current_) {
    current_->disconnect(this);
    current_->cancel();
    current_->deleteLater();
    current_ = nullptr;
  }
  currentBytes_ = 0;
  setState(DownloadState::Cancelled);
  emit cancelled();
}

}  // namespace coil::hub
