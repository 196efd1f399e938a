#include "repo_cache.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <filesystem>
#include <system_error>

#include "coil/atomic_file.hpp"
#include "glob_match.hpp"
#include "http_util.hpp"
#include "json_document.hpp"

namespace coil::hub {

RepoCache::RepoCache(QString cacheDir, QString repoId)
    : cacheDir_(std::move(cacheDir)), repoId_(std::move(repoId)) {}

QString RepoCache::folderName(const QString& repoId) {
  return QStringLiteral("models--") +
         QString(repoId).replace(QLatin1Char('/'), QLatin1String("--"));
}

QString RepoCache::relativeBlobTarget(const QString& relPath, const QString& etag) {
  const int depth = int(relPath.count(QLatin1Char('/')));
  QString target;
  for (int i = 0; i < depth + 2; ++i) target += QLatin1String("../");
  return target + QStringLiteral("blobs/") + etag;
}

QString RepoCache::repoDir() const {
  return cacheDir_ + QLatin1Char('/') + folderName(repoId_);
}
QString RepoCache::blobsDir() const {
  return repoDir() + QStringLiteral("/blobs");
}
QString RepoCache::blobPath(const QString& etag) const {
  return blobsDir() + QLatin1Char('/') + etag;
}
QString RepoCache::incompletePath(const QString& etag) const {
  return blobPath(etag) + QStringLiteral(".incomplete");
}
QString RepoCache::snapshotDir(const QString& commit) const {
  return repoDir() + QStringLiteral("/snapshots/") + commit;
}
QString RepoCache::snapshotFile(const QString& commit, const QString& relPath) const {
  return snapshotDir(commit) + QLatin1Char('/') + relPath;
}
QString RepoCache::refPath(const QString& revision) const {
  return repoDir() + QStringLiteral("/refs/") + revision;
}

std::optional<QString> RepoCache::resolveRevision(const QString& revision) const {
  const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
  if (isCommitHash(rev)) return rev;
  QFile f(refPath(rev));
  if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
  const QString commit = QString::fromLatin1(f.readAll()).trimmed();
  if (!isCommitHash(commit)) return std::nullopt;
  return commit;
}

bool RepoCache::writeRef(const QString& revision, const QString& commit, QString* error) const {
  const QString path = refPath(revision);
  if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
    if (error) *error = QStringLiteral("cannot create %1").arg(QFileInfo(path).absolutePath());
    return false;
  }
  const QByteArray bytes = commit.toLatin1();
  try {
    write_file_atomically(QFile::encodeName(path).toStdString(), bytes.constData(),
                          size_t(bytes.size()));
  } catch (const coil::Error& e) {
    if (error) *error = QString::fromUtf8(e.what());  // "cannot write <path>: <reason>"
    return false;
  }
  return true;
}

bool RepoCache::hasSnapshotFile(const QString& commit, const QString& relPath,
                                qint64 expectedSize) const {
  const QFileInfo fi(snapshotFile(commit, relPath));
  if (!fi.exists() || !fi.isFile()) return false;  // exists() follows links: false if dangling
  return expectedSize < 0 || fi.size() == expectedSize;
}

bool RepoCache::linkSnapshotFile(const QString& commit, const QString& relPath, const QString& etag,
                                 QString* error) const {
  namespace fs = std::filesystem;
  const fs::path link = fs::path(snapshotFile(commit, relPath).toStdString());
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  if (ec) {
    if (error)
      *error = QStringLiteral("cannot create %1: %2")
                   .arg(QString::fromStdString(link.parent_path().string()),
                        QString::fromStdString(ec.message()));
    return false;
  }
  fs::remove(link, ec);  // a stale link or file
  ec.clear();
  fs::create_symlink(fs::path(relativeBlobTarget(relPath, etag).toStdString()), link, ec);
  if (!ec) return true;
  // No symlinks here (e.g. some network or Windows file systems): keep a copy instead.
  ec.clear();
  fs::copy_file(fs::path(blobPath(etag).toStdString()), link, fs::copy_options::overwrite_existing,
                ec);
  if (ec) {
    if (error)
      *error =
          QStringLiteral("cannot link %1: %2")
              .arg(QString::fromStdString(link.string()), QString::fromStdString(ec.message()));
    return false;
  }
  return true;
}

QStringList RepoCache::snapshotFiles(const QString& commit) const {
  QStringList out;
  const QDir root(snapshotDir(commit));
  if (!root.exists()) return out;
  QDirIterator it(root.path(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    if (QFileInfo(path).exists()) out << root.relativeFilePath(path);
  }
  out.sort();
  return out;
}

bool RepoCache::looksComplete(const QString& commit, const QStringList& include) const {
  const QStringList files = snapshotFiles(commit);
  if (files.isEmpty()) return false;
  if (!include.isEmpty()) {
    for (const QString& pattern : include) {
      bool found = false;
      for (const QString& f : files) found = found || globMatch(pattern, f);
      if (!found) return false;
    }
    return true;
  }
  if (!files.contains(QStringLiteral("config.json"))) {
    // a GGUF repo: one .gguf file is a whole model, linked only once it is complete
    for (const QString& f : files)
      if (f.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) return true;
    return false;
  }
  const QString index = QStringLiteral("model.safetensors.index.json");
  if (files.contains(index)) {
    const QJsonObject map = readJsonObjectFile(snapshotFile(commit, index), kSmallJsonFileBytes)
                                .value(QLatin1String("weight_map"))
                                .toObject();
    if (map.isEmpty()) return false;
    for (auto it = map.begin(); it != map.end(); ++it)
      if (!files.contains(it.value().toString())) return false;
    return true;
  }
  return files.contains(QStringLiteral("model.safetensors"));
}

qint64 RepoCache::snapshotBytes(const QString& commit, const QString& suffix) const {
  qint64 total = 0;
  for (const QString& f : snapshotFiles(commit))
    if (f.endsWith(suffix)) total += QFileInfo(snapshotFile(commit, f)).size();
  return total;
}

}  // namespace coil::hub
