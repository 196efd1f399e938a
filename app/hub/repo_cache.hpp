// The standard Hugging Face cache, shared with the Python tools:
//   <cache>/models--org--name/blobs/<etag>                 file contents (etag = sha256 for LFS)
//   <cache>/models--org--name/blobs/<etag>.incomplete      a partial download
//   <cache>/models--org--name/snapshots/<commit>/<path>    relative symlinks to ../../blobs/<etag>
//   <cache>/models--org--name/refs/<revision>              the commit a branch/tag points to
#pragma once
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace coil::hub {

class RepoCache {
 public:
  RepoCache(QString cacheDir, QString repoId);

  static QString folderName(const QString& repoId);  // "models--org--name"
  // The symlink target of snapshots/<commit>/<relPath>: "../../blobs/<etag>", one more "../"
  // per folder in relPath.
  static QString relativeBlobTarget(const QString& relPath, const QString& etag);

  const QString& cacheDir() const { return cacheDir_; }
  const QString& repoId() const { return repoId_; }
  QString repoDir() const;
  QString blobsDir() const;
  QString blobPath(const QString& etag) const;
  QString incompletePath(const QString& etag) const;
  QString snapshotDir(const QString& commit) const;
  QString snapshotFile(const QString& commit, const QString& relPath) const;
  QString refPath(const QString& revision) const;

  // The commit of a revision: a commit id is itself; a branch/tag is read from refs/.
  std::optional<QString> resolveRevision(const QString& revision) const;
  bool writeRef(const QString& revision, const QString& commit, QString* error) const;

  // snapshots/<commit>/<relPath> exists and resolves to a file (of expectedSize if >= 0).
  bool hasSnapshotFile(const QString& commit, const QString& relPath,
                       qint64 expectedSize = -1) const;
  // Makes snapshots/<commit>/<relPath> a relative symlink to blobs/<etag> (a copy where the
  // file system has no symlinks), replacing what was there.
  bool linkSnapshotFile(const QString& commit, const QString& relPath, const QString& etag,
                        QString* error) const;
  // Relative paths of the files in a snapshot (recursively); dangling links are left out.
  QStringList snapshotFiles(const QString& commit) const;
  // Whether a snapshot can be used as is, without asking the network: every pattern of
  // `include` matches a file; with no patterns, config.json and all safetensors weights
  // (every shard of model.safetensors.index.json, or model.safetensors) are there, or, in a
  // repo without config.json (a GGUF repo), a .gguf file.
  bool looksComplete(const QString& commit, const QStringList& include) const;
  // Total size of the files of a snapshot whose name ends with `suffix`.
  qint64 snapshotBytes(const QString& commit, const QString& suffix) const;

 private:
  QString cacheDir_;
  QString repoId_;
};

}  // namespace coil::hub
