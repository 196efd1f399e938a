// The partial file of one download: blobs/<etag>.incomplete in the cache, appended to as the
// bytes arrive, with the sha256 of what it holds kept up to date (also across runs: the
// digest of what an earlier run left is computed off the GUI thread by a PrefixHasher and
// handed in with adoptDigest()), then checked and moved into place as blobs/<etag>.
// FileDownloader does the HTTP exchange around it.
#pragma once
#include <QCryptographicHash>
#include <QFile>
#include <QString>
#include <memory>
#include <utility>

#include "repo_cache.hpp"

namespace coil::hub {

class PartialBlob {
 public:
  explicit PartialBlob(RepoCache cache) : cache_(std::move(cache)) {}

  // The file's content id (the HEAD's ETag): which blobs/<etag>.incomplete this is.
  void attach(const QString& etag);
  // Opens the file for appending (creating blobs/). A file longer than `size` (when known,
  // >= 0) is from something else and starts over. `hashed`: keep the sha256 of the
  // contents. False with *why when the file cannot be read or written. Reads nothing: when
  // the digest does not cover what is on disk (unhashedBytes() > 0), the caller computes
  // it (PrefixHasher, on a worker) and hands it in with adoptDigest() before appending.
  bool open(qint64 size, bool hashed, QString* why);
  // Bytes on disk that the digest does not cover yet: 0 when it is current (or unhashed).
  qint64 unhashedBytes() const { return hashed_ && hashedBytes_ != bytes_ ? bytes_ : 0; }
  // The sha256 of the first `bytes` bytes of the file (== bytes()), computed elsewhere.
  void adoptDigest(std::unique_ptr<QCryptographicHash> hash, qint64 bytes);
  void close() { file_.close(); }
  bool isOpen() const { return file_.isOpen(); }
  QString path() const { return cache_.incompletePath(etag_); }
  qint64 bytes() const { return bytes_; }

  // Appends `chunk`. False with *why (and *diskFull when the disk or quota is full).
  bool append(const QByteArray& chunk, QString* why, bool* diskFull);
  // Empties it (the server sent the whole file again, or the wrong range).
  bool truncate(QString* why);
  // Deletes the file (if attached) and forgets what it held (a cancelled or corrupt
  // download).
  void discard();
  // The sha256 of the contents, hex (when opened `hashed`).
  QString sha256() const { return QString::fromLatin1(hash_->result().toHex()); }
  // Moves the complete file to blobs/<etag> (replacing one that is there).
  bool promote(QString* why);

 private:
  void resetHash();

  RepoCache cache_;
  QString etag_;
  QFile file_;
  std::unique_ptr<QCryptographicHash> hash_ =
      std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
  bool hashed_ = false;
  qint64 hashedBytes_ = 0;  // how much of the file the hash covers
  qint64 bytes_ = 0;
};

}  // namespace coil::hub
