#include "file_downloader.hpp"

#include <QDir>
#include <QFileInfo>
#include <QNetworkReply>
#include <QRegularExpression>

#include "http_util.hpp"
#include "hub_client.hpp"

namespace coil::hub {

namespace {

constexpr int kMaxRedirects = 10;
constexpr int kMaxTotalAttempts = 100;
constexpr qint64 kReadChunk = 1 << 20;

bool isSha256(const QString& s) {
  static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
  return re.match(s).hasMatch();
}

QUrl redirectTarget(QNetworkReply* reply) {
  QUrl location = reply->header(QNetworkRequest::LocationHeader).toUrl();
  if (location.isEmpty())
    location = QUrl::fromEncoded(reply->rawHeader("Location"), QUrl::TolerantMode);
  return location.isEmpty() ? QUrl() : reply->url().resolved(location);
}

}  // namespace

FileDownloader::FileDownloader(HubClient* client, FileTask task, QObject* parent)
    : QObject(parent),
      client_(client),
      task_(std::move(task)),
      cache_(client->settings().cacheDir, task_.repoId),
      blob_(cache_) {
  retryTimer_.setSingleShot(true);
}

FileDownloader::~FileDownloader() {
  dropReply();
  blob_.close();
}

bool FileDownloader::isActive() const {
  return phase_ == Phase::Head || phase_ == Phase::Checking || phase_ == Phase::Get ||
         phase_ == Phase::Waiting;
}

QString FileDownloader::snapshotPath() const {
  return commit_.isEmpty() ? QString() : cache_.snapshotFile(commit_, task_.path);
}

RequestTarget FileDownloader::target() const {
  const HubSettings& s = client_->settings();
  return RequestTarget{s.endpoint, task_.repoId, task_.revision, task_.path, !s.token.isEmpty()};
}

QUrl FileDownloader::resolveUrl(const QString& revision) const {
  return client_->resolveUrl(task_.repoId, revision, task_.path);
}

void FileDownloader::start() {
  if (isActive() || phase_ == Phase::Done) return;
  error_ = {};
  failures_ = 0;
  if (client_->settings().offline) {
    fail(HubError::make(HubErrorKind::Offline,
                        QStringLiteral("HF_HUB_OFFLINE is set: cannot download '%1' of '%2'.")
                            .arg(task_.path, task_.repoId)));
    return;
  }
  if (headDone_)
    beginTransfer();
  else
    sendHead(resolveUrl(task_.revision.isEmpty() ? QStringLiteral("main") : task_.revision), true,
             0);
}

void FileDownloader::pause() {
  if (!isActive()) return;
  dropReply();
  retryTimer_.stop();
  hasher_.cancel();
  blob_.close();
  phase_ = Phase::Paused;
}

void FileDownloader::cancel() {
  if (phase_ == Phase::Done || phase_ == Phase::Cancelled) return;
  dropReply();
  retryTimer_.stop();
  hasher_.cancel();
  blob_.discard();
  written_ = 0;
  phase_ = Phase::Cancelled;
}

void FileDownloader::dropReply() {
  if (!reply_) return;
  QNetworkReply* r = reply_;
  reply_ = nullptr;
  r->disconnect(this);
  r->abort();
  r->deleteLater();
}

void FileDownloader::fail(HubError error, bool deletePartial) {
  dropReply();
  retryTimer_.stop();
  hasher_.cancel();
  blob_.close();
  if (deletePartial) {
    blob_.discard();
    written_ = 0;
  }
  phase_ = Phase::Failed;
  error_ = std::move(error);
  emit failed(error_);
}

void FileDownloader::retryOrFail(HubError error, const QByteArray& retryAfter,
                                 std::function<void()> again) {
  if (!error.isRetryable()) return fail(std::move(error));
  if (failures_ >= client_->settings().maxRetries || totalAttempts_ >= kMaxTotalAttempts) {
    error.message += QStringLiteral(" (gave up after %1 attempts)").arg(totalAttempts_ + 1);
    return fail(std::move(error));
  }
  const int delay = backoffDelayMs(failures_, client_->settings(), retryAfter);
  ++failures_;
  ++totalAttempts_;
  phase_ = Phase::Waiting;
  retryTimer_.disconnect(this);
  connect(&retryTimer_, &QTimer::timeout, this, std::move(again));
  retryTimer_.start(delay);
}

void FileDownloader::retryGet(HubError error, const QByteArray& retryAfter) {
  retryOrFail(std::move(error), retryAfter, [this] { sendGet(resolveUrl(commit_), true, 0); });
}

// --- HEAD: the file's commit, etag and size --------------------------------------------------

void FileDownloader::sendHead(const QUrl& url, bool withAuth, int hops) {
  phase_ = Phase::Head;
  QNetworkReply* reply = client_->network()->head(makeRequest(url, client_->settings(), withAuth));
  reply_ = reply;
  connect(reply, &QNetworkReply::finished, this,
          [this, reply, withAuth, hops] { onHeadFinished(reply, withAuth, hops); });
}

void FileDownloader::onHeadFinished(QNetworkReply* reply, bool withAuth, int hops) {
  reply->deleteLater();
  if (reply != reply_) return;
  reply_ = nullptr;
  const int status = httpStatus(reply);
  const bool hubMetadata = !reply->rawHeader("X-Repo-Commit").isEmpty();
  if (status >= 300 && status < 400 && !hubMetadata) {
    // A redirect without the Hub's headers (e.g. a renamed repo): follow it.
    const QUrl next = redirectTarget(reply);
    if (next.isEmpty() || hops >= kMaxRedirects)
      return fail(
          HubError::make(HubErrorKind::InvalidResponse,
                         QStringLiteral("Too many or invalid redirects for '%1'").arg(task_.path)));
    return sendHead(next, withAuth && sameOrigin(next, reply->url()), hops + 1);
  }
  if (HubError err = errorFromReply(reply, target())) {
    return retryOrFail(err, reply->rawHeader("Retry-After"), [this] {
      sendHead(resolveUrl(task_.revision.isEmpty() ? QStringLiteral("main") : task_.revision), true,
               0);
    });
  }
  const QByteArray linkedEtag = reply->rawHeader("X-Linked-Etag");
  etag_ = normalizeEtag(linkedEtag.isEmpty() ? reply->rawHeader("ETag") : linkedEtag);
  commit_ = QString::fromLatin1(reply->rawHeader("X-Repo-Commit")).trimmed();
  bool ok = false;
  const qint64 linkedSize = reply->rawHeader("X-Linked-Size").trimmed().toLongLong(&ok);
  size_ = ok ? linkedSize : reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
  if (!ok) size_ = task_.expectedSize;
  if (commit_.isEmpty() && isCommitHash(task_.revision)) commit_ = task_.revision;
  if (etag_.isEmpty() || etag_.contains(QLatin1Char('/')) || commit_.isEmpty() ||
      !isCommitHash(commit_))
    return fail(HubError::make(
        HubErrorKind::InvalidResponse,
        QStringLiteral("The server did not send the Hub's file metadata (X-Repo-Commit, ETag) for "
                       "'%1' of '%2': is %3 a Hugging Face endpoint?")
            .arg(task_.path, task_.repoId, client_->settings().endpoint)));
  if (task_.expectedSize >= 0 && size_ >= 0 && task_.expectedSize != size_)
    return fail(HubError::make(HubErrorKind::SizeMismatch,
                               QStringLiteral("The Hub announces %1 bytes for '%2' of '%3' but its "
                                              "file list says %4.")
                                   .arg(size_)
                                   .arg(task_.path, task_.repoId)
                                   .arg(task_.expectedSize)));
  sha256Expected_ = task_.expectedSha256.toLower();
  if (sha256Expected_.isEmpty() && !linkedEtag.isEmpty() && isSha256(etag_))
    sha256Expected_ = etag_;
  headDone_ = true;
  failures_ = 0;
  blob_.attach(etag_);

  if (!task_.revision.isEmpty() && task_.revision != commit_) {
    QString err;
    if (!cache_.writeRef(task_.revision, commit_, &err))
      return fail(HubError::make(HubErrorKind::Io,
                                 QStringLiteral("Could not update the cache: %1").arg(err)));
  }
  const QFileInfo blob(cache_.blobPath(etag_));
  if (blob.isFile() && (size_ < 0 || blob.size() == size_)) {
    written_ = blob.size();
    return finishWithBlob();  // the same content is already cached (another revision)
  }
  beginTransfer();
}

// --- GET: the bytes, resumable ---------------------------------------------------------------

bool FileDownloader::openPartial() {
  QString why;
  if (!blob_.open(size_, !sha256Expected_.isEmpty(), &why)) {
    fail(HubError::make(HubErrorKind::Io, why));
    return false;
  }
  written_ = blob_.bytes();
  return true;
}

bool FileDownloader::truncatePartial() {
  QString why;
  if (!blob_.truncate(&why)) {
    fail(HubError::make(HubErrorKind::Io, why));
    return false;
  }
  written_ = 0;
  return true;
}

void FileDownloader::withPartial(std::function<void()> next) {
  if (!blob_.isOpen() && !openPartial()) return;
  const qint64 unhashed = blob_.unhashedBytes();
  if (unhashed == 0) return next();
  phase_ = Phase::Checking;
  hasher_.disconnect(this, nullptr);
  connect(&hasher_, &PrefixHasher::progress, this, &FileDownloader::checking);
  connect(&hasher_, &PrefixHasher::failed, this,
          [this](const QString& why) { fail(HubError::make(HubErrorKind::Io, why)); });
  connect(&hasher_, &PrefixHasher::finished, this, [this, next = std::move(next)](qint64 bytes) {
    blob_.adoptDigest(hasher_.takeHash(), bytes);
    if (blob_.unhashedBytes() != 0)  // the file changed while it was read: start over
      return truncatePartial() ? next() : void();
    next();
  });
  hasher_.start(blob_.path(), unhashed);
}

void FileDownloader::beginTransfer() {
  withPartial([this] {
    emit progress(written_, size_);
    if (size_ >= 0 && written_ == size_) return finalize();  // complete but not yet verified
    sendGet(resolveUrl(commit_), true, 0);
  });
}

void FileDownloader::sendGet(const QUrl& url, bool withAuth, int hops) {
  if (!blob_.isOpen() || blob_.unhashedBytes() != 0)
    return withPartial([this, url, withAuth, hops] { sendGet(url, withAuth, hops); });
  phase_ = Phase::Get;
  QNetworkRequest req = makeRequest(url, client_->settings(), withAuth);
  if (written_ > 0) req.setRawHeader("Range", "bytes=" + QByteArray::number(written_) + "-");
  QNetworkReply* reply = client_->network()->get(req);
  reply->setReadBufferSize(4 * kReadChunk);
  reply_ = reply;
  metaChecked_ = false;
  bodyAccepted_ = false;
  attemptStart_ = written_;
  connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] { onGetMetaData(reply); });
  connect(reply, &QNetworkReply::readyRead, this, [this, reply] { onGetReadyRead(reply); });
  connect(reply, &QNetworkReply::finished, this,
          [this, reply, withAuth, hops] { onGetFinished(reply, withAuth, hops); });
}

void FileDownloader::onGetMetaData(QNetworkReply* reply) {
  if (reply != reply_ || metaChecked_) return;
  const int status = httpStatus(reply);
  if (status == 0) return;  // no headers yet
  metaChecked_ = true;
  if (status == 200) {
    if (written_ > 0 && !truncatePartial()) return;  // the server ignored Range
    attemptStart_ = 0;
    bodyAccepted_ = true;
  } else if (status == 206) {
    static const QRegularExpression range(QStringLiteral("bytes\\s+(\\d+)-"));
    const auto m = range.match(QString::fromLatin1(reply->rawHeader("Content-Range")));
    if (!m.hasMatch() || m.captured(1).toLongLong() != written_) {
      // Not the part we asked for: start over from the beginning.
      dropReply();
      if (!truncatePartial()) return;
      return retryGet(HubError::make(
          HubErrorKind::Network,
          QStringLiteral("The server sent the wrong byte range of '%1'").arg(task_.path)));
    }
    bodyAccepted_ = true;
  }
}

bool FileDownloader::writeChunk(const QByteArray& chunk) {
  QString why;
  bool full = false;
  if (blob_.append(chunk, &why, &full)) {
    written_ = blob_.bytes();
    return true;
  }
  if (full)
    fail(HubError::make(HubErrorKind::DiskFull,
                        QStringLiteral("Disk full: could not write '%1' of '%2' to %3 (%4). Free "
                                       "some space and retry; the partial download is kept.")
                            .arg(task_.path, task_.repoId, cache_.blobsDir(), why)));
  else
    fail(HubError::make(HubErrorKind::Io,
                        QStringLiteral("Could not write %1: %2").arg(blob_.path(), why)));
  return false;
}

void FileDownloader::onGetReadyRead(QNetworkReply* reply) {
  if (reply != reply_) return;
  if (!metaChecked_) onGetMetaData(reply);
  if (reply != reply_ || !bodyAccepted_) return;
  while (reply->bytesAvailable() > 0) {
    const QByteArray chunk = reply->read(kReadChunk);
    if (chunk.isEmpty()) break;
    if (size_ >= 0 && written_ + chunk.size() > size_)
      return fail(
          HubError::make(HubErrorKind::SizeMismatch,
                         QStringLiteral("The server sent more than the %1 bytes announced for "
                                        "'%2' of '%3'; the download was deleted.")
                             .arg(size_)
                             .arg(task_.path, task_.repoId)),
          true);
    if (!writeChunk(chunk)) return;
  }
  emit progress(written_, size_);
}

void FileDownloader::onGetFinished(QNetworkReply* reply, bool withAuth, int hops) {
  reply->deleteLater();
  if (reply != reply_) return;
  if (metaChecked_ || httpStatus(reply) != 0) onGetReadyRead(reply);  // drain what is left
  if (reply != reply_) return;                                        // failed while draining
  reply_ = nullptr;
  const int status = httpStatus(reply);
  if (written_ > attemptStart_)
    failures_ = 0;  // progress made: this is a flaky link, not a dead one

  if (status >= 300 && status < 400) {
    const QUrl next = redirectTarget(reply);
    if (next.isEmpty() || hops >= kMaxRedirects)
      return fail(
          HubError::make(HubErrorKind::InvalidResponse,
                         QStringLiteral("Too many or invalid redirects for '%1'").arg(task_.path)));
    // Never send the Hub token to another host (the CDN's signed URL carries its own auth).
    return sendGet(next, withAuth && sameOrigin(next, reply->url()), hops + 1);
  }
  if (status == 416) {  // Range Not Satisfiable
    if (size_ >= 0 && written_ == size_) return finalize();
    if (!truncatePartial()) return;
    return retryGet(
        HubError::make(HubErrorKind::Network,
                       QStringLiteral("The server refused to resume '%1'").arg(task_.path), 416));
  }
  HubError err = errorFromReply(reply, target());
  if (!err && status != 200 && status != 206)
    err = HubError::make(HubErrorKind::InvalidResponse,
                         QStringLiteral("Unexpected HTTP %1 for '%2'").arg(status).arg(task_.path),
                         status);
  if (!err && size_ >= 0 && written_ < size_)
    err = HubError::make(HubErrorKind::Network,
                         QStringLiteral("The connection closed after %1 of %2 bytes of '%3'")
                             .arg(written_)
                             .arg(size_)
                             .arg(task_.path));
  if (err) return retryGet(err, reply->rawHeader("Retry-After"));
  if (size_ < 0) size_ = written_;
  finalize();
}

// --- verification and the cache --------------------------------------------------------------

void FileDownloader::finalize() {
  blob_.close();
  const qint64 actual = QFileInfo(blob_.path()).size();
  const qint64 expected = size_ >= 0 ? size_ : task_.expectedSize;
  if ((expected >= 0 && actual != expected) ||
      (task_.expectedSize >= 0 && actual != task_.expectedSize))
    return fail(
        HubError::make(HubErrorKind::SizeMismatch,
                       QStringLiteral("'%1' of '%2' has %3 bytes instead of %4; the download "
                                      "was deleted, retry it.")
                           .arg(task_.path, task_.repoId)
                           .arg(actual)
                           .arg(expected >= 0 ? expected : task_.expectedSize)),
        true);
  if (!sha256Expected_.isEmpty()) {
    const QString got = blob_.sha256();
    if (got != sha256Expected_)
      return fail(
          HubError::make(HubErrorKind::Checksum,
                         QStringLiteral("Checksum mismatch for '%1' of '%2': its sha256 is %3 "
                                        "but the repository says %4. The corrupt download "
                                        "was deleted; retry it.")
                             .arg(task_.path, task_.repoId, got, sha256Expected_)),
          true);
  }
  QString why;
  if (!blob_.promote(&why)) return fail(HubError::make(HubErrorKind::Io, why));
  written_ = actual;
  finishWithBlob();
}

void FileDownloader::finishWithBlob() {
  QString err;
  if (!cache_.linkSnapshotFile(commit_, task_.path, etag_, &err))
    return fail(HubError::make(HubErrorKind::Io,
                               QStringLiteral("Could not update the cache: %1").arg(err)));
  phase_ = Phase::Done;
  emit progress(written_, size_ >= 0 ? size_ : written_);
  emit finished(snapshotPath());
}

}  // namespace coil::hub
