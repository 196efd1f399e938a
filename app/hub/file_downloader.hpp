// One file of a repo into the cache, the way huggingface_hub does it:
//   HEAD {endpoint}/{id}/resolve/{rev}/{file}  -> X-Repo-Commit, X-Linked-Etag / ETag,
//                                                 X-Linked-Size / Content-Length
//   GET the same URL, following 302s by hand (Authorization is dropped when the host
//   changes, e.g. to the CDN), with "Range: bytes=N-" when blobs/<etag>.incomplete has N bytes;
//   retries with exponential backoff on connection errors, 408, 429 and 5xx;
//   the size of every file and the sha256 of LFS files (vs the LFS oid) are verified: a
//   mismatch deletes the partial and fails; then the partial becomes blobs/<etag> and
//   snapshots/<commit>/<file> a relative symlink to it.
// This class is the HTTP exchange; the partial file and its digest are a PartialBlob. When a
// download resumes from what an earlier run left, that part is re-hashed on a worker thread
// (PrefixHasher) while the event loop goes on, reported by checking().
#pragma once
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <functional>

#include "hub_error.hpp"
#include "partial_blob.hpp"
#include "prefix_hasher.hpp"
#include "repo_cache.hpp"

class QNetworkReply;

namespace coil::hub {

class HubClient;

struct FileTask {
  QString repoId;
  QString revision;          // a commit id where known (immutable); else a branch or tag
  QString path;              // inside the repo
  qint64 expectedSize = -1;  // from the tree; -1 = take the HEAD's
  QString expectedSha256;    // lfs.oid from the tree; empty = X-Linked-Etag when it is a sha256
};

class FileDownloader : public QObject {
  Q_OBJECT
 public:
  FileDownloader(HubClient* client, FileTask task, QObject* parent = nullptr);
  ~FileDownloader() override;  // stops any transfer; the partial file stays for a later resume

  void start();   // also resumes after pause(), from the partial file
  void pause();   // stops the transfer and keeps blobs/<etag>.incomplete
  void cancel();  // stops the transfer and deletes the partial file

  const FileTask& task() const { return task_; }
  bool isActive() const;
  QString commit() const { return commit_; }
  QString etag() const { return etag_; }
  qint64 size() const { return size_; }
  qint64 bytesDone() const { return written_; }
  QString snapshotPath() const;
  const HubError& error() const { return error_; }

 signals:
  void progress(qint64 bytesDone, qint64 bytesTotal);
  // Re-hashing the part an earlier run left before resuming: `bytesDone` of `bytesTotal`
  // checked. progress() follows when it is done.
  void checking(qint64 bytesDone, qint64 bytesTotal);
  void finished(const QString& snapshotPath);
  void failed(const coil::hub::HubError& error);

 private:
  enum class Phase { Idle, Head, Checking, Get, Waiting, Paused, Done, Failed, Cancelled };

  RequestTarget target() const;
  QUrl resolveUrl(const QString& revision) const;
  void sendHead(const QUrl& url, bool withAuth, int hops);
  void onHeadFinished(QNetworkReply* reply, bool withAuth, int hops);
  void beginTransfer();
  void sendGet(const QUrl& url, bool withAuth, int hops);
  void onGetMetaData(QNetworkReply* reply);
  void onGetReadyRead(QNetworkReply* reply);
  void onGetFinished(QNetworkReply* reply, bool withAuth, int hops);
  void retryOrFail(HubError error, const QByteArray& retryAfter, std::function<void()> again);
  // A GET of the file again after `error` (from written_, a new attempt), or the failure.
  void retryGet(HubError error, const QByteArray& retryAfter = {});
  bool openPartial();  // false: failed
  // Opens the partial file and, when what an earlier run left is not hashed yet, hashes it
  // on the worker first (phase Checking); then calls `next`. Failures are reported.
  void withPartial(std::function<void()> next);
  bool truncatePartial();  // false: failed
  bool writeChunk(const QByteArray& chunk);
  void finalize();
  void finishWithBlob();
  void fail(HubError error, bool deletePartial = false);
  void dropReply();

  HubClient* client_;
  FileTask task_;
  RepoCache cache_;
  Phase phase_ = Phase::Idle;
  QPointer<QNetworkReply> reply_;
  QTimer retryTimer_;
  HubError error_;

  bool headDone_ = false;
  QString commit_;
  QString etag_;
  qint64 size_ = -1;
  QString sha256Expected_;

  PartialBlob blob_;
  PrefixHasher hasher_;
  qint64 written_ = 0;  // bytes of the file this download holds
  qint64 attemptStart_ = 0;
  bool metaChecked_ = false;
  bool bodyAccepted_ = false;
  int failures_ = 0;       // consecutive failed attempts without progress
  int totalAttempts_ = 0;  // all attempts, bounded too
};

}  // namespace coil::hub
