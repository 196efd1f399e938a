#include "partial_blob.hpp"

#include <QDir>
#include <QFileInfo>

#include "background_removal.hpp"

namespace coil::hub {

void PartialBlob::resetHash() {
  hash_->reset();
  hashedBytes_ = 0;
}

void PartialBlob::attach(const QString& etag) {
  if (etag == etag_) return;
  file_.close();
  resetHash();
  bytes_ = 0;
  etag_ = etag;
}

bool PartialBlob::open(qint64 size, bool hashed, QString* why) {
  hashed_ = hashed;
  const QString file = path();
  if (!QDir().mkpath(cache_.blobsDir())) {
    *why = QStringLiteral("Could not create %1").arg(cache_.blobsDir());
    return false;
  }
  qint64 existing = QFileInfo(file).size();
  if (size >= 0 && existing > size) {
    removeInBackground(file);
    existing = 0;
  }
  if (existing != hashedBytes_) resetHash();  // unhashedBytes(): what an earlier run left
  file_.close();
  file_.setFileName(file);
  if (!file_.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
    *why = QStringLiteral("Could not write %1: %2").arg(file, file_.errorString());
    return false;
  }
  bytes_ = file_.size();
  if (!hashed_) hashedBytes_ = bytes_;
  return true;
}

void PartialBlob::adoptDigest(std::unique_ptr<QCryptographicHash> hash, qint64 bytes) {
  if (!hash || bytes != bytes_) return;  // the file changed meanwhile: stays unhashed
  hash_ = std::move(hash);
  hashedBytes_ = bytes;
}

bool PartialBlob::append(const QByteArray& chunk, QString* why, bool* diskFull) {
  if (file_.write(chunk) != chunk.size()) {
    *why = file_.errorString();
    *diskFull = file_.error() == QFileDevice::ResourceError ||
                why->contains(QLatin1String("space"), Qt::CaseInsensitive) ||
                why->contains(QLatin1String("quota"), Qt::CaseInsensitive);
    return false;
  }
  if (hashed_) hash_->addData(chunk);
  bytes_ += chunk.size();
  hashedBytes_ = bytes_;
  return true;
}

bool PartialBlob::truncate(QString* why) {
  if (!file_.resize(0)) {
    *why = QStringLiteral("Could not truncate %1: %2").arg(file_.fileName(), file_.errorString());
    return false;
  }
  file_.seek(0);
  resetHash();
  bytes_ = 0;
  return true;
}

void PartialBlob::discard() {
  file_.close();
  if (!etag_.isEmpty()) removeInBackground(path());  // may be GBs: off this thread
  resetHash();
  bytes_ = 0;
}

bool PartialBlob::promote(QString* why) {
  file_.close();
  const QString from = path(), blob = cache_.blobPath(etag_);
  QFile::remove(blob);
  if (!QFile::rename(from, blob)) {
    *why = QStringLiteral("Could not move %1 to %2").arg(from, blob);
    return false;
  }
  resetHash();
  return true;
}

}  // namespace coil::hub
