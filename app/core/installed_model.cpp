#include "installed_model.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <algorithm>

#include "background_removal.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "hub_types.hpp"
#include "json_document.hpp"
#include "repo_cache.hpp"
#include "search_results.hpp"

namespace coil::app {

namespace {

QJsonObject readConfig(const QString& folder) {
  return readJsonObjectFile(QDir(folder).filePath(QStringLiteral("config.json")),
                            kSmallJsonFileBytes);
}

// Sizes of the files under `dir` (following the snapshot links), and of the weights.
void folderSizes(const QString& dir, qint64* total, qint64* weights) {
  QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QFileInfo fi(it.next());
    if (!fi.exists()) continue;  // a dangling link
    if (total) *total += fi.size();
    if (weights && fi.fileName().endsWith(QLatin1String(".safetensors"))) *weights += fi.size();
  }
}

qint64 blobBytes(const QString& blobsDir) {
  qint64 total = 0;
  for (const QFileInfo& fi : QDir(blobsDir).entryInfoList(QDir::Files | QDir::Hidden))
    if (!fi.fileName().endsWith(QLatin1String(".incomplete"))) total += fi.size();
  return total;
}

// The snapshot refs/main points to when it is there, else the most recently changed one.
QString chooseSnapshot(const hub::RepoCache& cache) {
  if (const auto commit = cache.resolveRevision(QStringLiteral("main"));
      commit && QFileInfo(cache.snapshotDir(*commit)).isDir())
    return *commit;
  const QFileInfoList snapshots = QDir(cache.repoDir() + QStringLiteral("/snapshots"))
                                      .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time);
  return snapshots.isEmpty() ? QString() : snapshots.first().fileName();
}

// Compatibility from the folder's config.json and files, as search results are judged.
void classify(InstalledModel& m, const QStringList& files) {
  hub::ModelSummary s;
  s.id = m.name;
  s.modelType = readConfig(m.path).value(QLatin1String("model_type")).toString();
  s.files = files;
  hub::classifyCompatibility(s);
  if (!m.complete) {
    m.compatible = false;
    m.reason = QStringLiteral("incomplete: config.json or weight files are missing");
  } else {
    m.compatible = s.compatible;
    m.reason = s.incompatibleReason;
  }
}

bool isGgufName(const QString& path) {
  return path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive);
}

constexpr qint64 kGgufProbeBytes = 64 * 1024;  // general.architecture comes first in practice

// One downloaded .gguf file: a whole model. Its architecture from the first bytes of its
// header (a small read: the rest of the file is the engine's to map).
InstalledModel describeGgufFile(const hub::RepoCache& cache, const QString& commit,
                                const QString& file) {
  InstalledModel m;
  m.repoId = cache.repoId();
  m.quant = hub::ggufQuantOfFileName(file);
  m.name = m.quant.isEmpty() ? QStringLiteral("%1 · %2").arg(m.repoId, file)
                             : QStringLiteral("%1 · %2").arg(m.repoId, m.quant);
  m.path = QDir::cleanPath(cache.snapshotFile(commit, file));
  m.repoDir = QDir::cleanPath(cache.repoDir());
  m.file = file;
  m.kind = QStringLiteral("hub");
  m.sizeBytes = QFileInfo(m.path).size();
  m.complete = true;  // the snapshot links a file only once it is whole and checked
  QFile f(m.path);
  QString architecture, error;
  if (!f.open(QIODevice::ReadOnly)) {
    error = f.errorString();
  } else {
    const QByteArray head = f.read(kGgufProbeBytes);
    try {
      architecture = QString::fromStdString(
          probe_gguf_header(reinterpret_cast<const uint8_t*>(head.constData()), size_t(head.size()),
                            m.path.toStdString())
              .architecture);
    } catch (const Error& e) {
      error = QString::fromStdString(e.what());
    }
  }
  m.compatible = error.isEmpty() && hub::isSupportedGgufArchitecture(architecture);
  m.reason = !error.isEmpty() ? error
             : m.compatible   ? QString()
             : architecture.isEmpty()
                 ? QStringLiteral("its header names no architecture")
                 : QStringLiteral("GGUF architecture '%1' is not supported (Coil runs mamba)")
                       .arg(architecture);
  m.estimate = hub::estimateStoredMemory(m.sizeBytes, {}, 0);
  return m;
}

void estimate(InstalledModel& m) {
  folderSizes(m.path, nullptr, &m.weightBytes);
  m.config = readConfig(m.path);
  m.estimate = hub::estimateMemory(m.config, m.weightBytes, 0, /*ramBytes=*/0);
}

}  // namespace

hub::MemoryEstimate estimateAs(const InstalledModel& m, const QString& weights) {
  if (m.config.isEmpty() || !m.estimate.valid) return m.estimate;  // a GGUF file: as stored
  return hub::estimateMemoryAs(m.config, m.weightBytes, weights, /*ramBytes=*/0);
}

QList<InstalledModel> scanHubCache(const QString& cacheDir) {
  QList<InstalledModel> out;
  const QFileInfoList repos = QDir(cacheDir).entryInfoList(
      {QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
  for (const QFileInfo& dir : repos) {
    const QString folder = dir.fileName().mid(int(qstrlen("models--")));
    const int sep = int(folder.indexOf(QLatin1String("--")));
    const QString repoId =
        sep < 0 ? folder : folder.left(sep) + QLatin1Char('/') + folder.mid(sep + 2);
    const hub::RepoCache cache(cacheDir, repoId);
    const QString commit = chooseSnapshot(cache);
    if (commit.isEmpty()) continue;  // only partial downloads: the download list shows those
    const QStringList files = cache.snapshotFiles(commit);
    if (!files.contains(QStringLiteral("config.json")) &&
        std::any_of(files.begin(), files.end(), isGgufName)) {
      for (const QString& f : files)
        if (isGgufName(f)) out << describeGgufFile(cache, commit, f);
      continue;
    }
    InstalledModel m;
    m.name = repoId;
    m.repoId = repoId;
    m.path = QDir::cleanPath(cache.snapshotDir(commit));
    m.repoDir = QDir::cleanPath(cache.repoDir());
    m.kind = QStringLiteral("hub");
    m.sizeBytes = blobBytes(cache.blobsDir());
    if (m.sizeBytes == 0) folderSizes(m.path, &m.sizeBytes, nullptr);  // copies, no blobs
    m.complete = cache.looksComplete(commit, {});
    classify(m, cache.snapshotFiles(commit));
    estimate(m);
    out << m;
  }
  return out;
}

InstalledModel describeFolder(const QString& path, const QString& kind) {
  InstalledModel m;
  m.path = QDir::cleanPath(QDir(path).absolutePath());
  m.name = QFileInfo(m.path).fileName();
  m.kind = kind;
  folderSizes(m.path, &m.sizeBytes, nullptr);
  QStringList files;
  const QDir root(m.path);
  QDirIterator it(m.path, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
  while (it.hasNext()) files << root.relativeFilePath(it.next());
  m.complete = files.contains(QStringLiteral("config.json")) &&
               (files.contains(QStringLiteral("model.safetensors")) ||
                files.contains(QStringLiteral("model.safetensors.index.json")));
  classify(m, files);
  estimate(m);
  return m;
}

bool hasCompleteSnapshot(const QString& cacheDir, const QString& repoId) {
  const hub::RepoCache cache(cacheDir, repoId);
  const QStringList commits = QDir(cache.repoDir() + QStringLiteral("/snapshots"))
                                  .entryList(QDir::Dirs | QDir::NoDotAndDotDot);
  for (const QString& commit : commits)
    if (cache.looksComplete(commit, {})) return true;
  return false;
}

void discardIncompleteDownload(const QString& cacheDir, const QString& repoId) {
  if (cacheDir.isEmpty() || repoId.isEmpty()) return;
  const hub::RepoCache cache(cacheDir, repoId);
  // the files may be GBs: deleted off the GUI thread (renamed away first, so that a download
  // started again at once begins afresh)
  hub::sweepBackgroundRemovals(cacheDir);
  if (!hasCompleteSnapshot(cacheDir, repoId)) return hub::removeInBackground(cache.repoDir());
  hub::sweepBackgroundRemovals(cache.blobsDir());
  for (const QFileInfo& fi :
       QDir(cache.blobsDir()).entryInfoList({QStringLiteral("*.incomplete")}, QDir::Files))
    hub::removeInBackground(fi.absoluteFilePath());
}

bool removeRepoFromCache(const QString& cacheDir, const QString& repoId, QString* error) {
  if (cacheDir.isEmpty() || repoId.isEmpty()) {
    if (error) *error = QStringLiteral("No Hugging Face cache folder is set.");
    return false;
  }
  const hub::RepoCache cache(cacheDir, repoId);
  QDir dir(cache.repoDir());
  if (!dir.exists()) return true;
  if (dir.removeRecursively()) return true;
  if (error)
    *error = QStringLiteral("Could not delete all of %1: check its permissions.")
                 .arg(QDir::toNativeSeparators(dir.path()));
  return false;
}

bool removeFileFromCache(const QString& cacheDir, const QString& repoId, const QString& file,
                         QString* error) {
  if (cacheDir.isEmpty() || repoId.isEmpty() || file.isEmpty()) {
    if (error) *error = QStringLiteral("No Hugging Face cache folder is set.");
    return false;
  }
  const hub::RepoCache cache(cacheDir, repoId);
  const QFileInfoList snapshots = QDir(cache.repoDir() + QStringLiteral("/snapshots"))
                                      .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot);
  // the file's links (or copies) in every snapshot, and the blobs they point to
  QSet<QString> blobs;
  bool ok = true;
  for (const QFileInfo& snapshot : snapshots) {
    const QFileInfo link(QDir(snapshot.absoluteFilePath()).filePath(file));
    if (!link.exists() && !link.isSymLink()) continue;
    if (link.isSymLink()) blobs.insert(QFileInfo(link.symLinkTarget()).canonicalFilePath());
    ok = QFile::remove(link.absoluteFilePath()) && ok;
  }
  // a blob goes when no link that is left points to it; is a .gguf file left at all?
  bool ggufLeft = false;
  for (const QFileInfo& snapshot : snapshots) {
    QDirIterator it(snapshot.absoluteFilePath(), QDir::Files | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QFileInfo fi(it.next());
      if (isGgufName(fi.fileName())) ggufLeft = true;
      if (fi.isSymLink()) blobs.remove(QFileInfo(fi.symLinkTarget()).canonicalFilePath());
    }
  }
  if (!ggufLeft) return removeRepoFromCache(cacheDir, repoId, error) && ok;
  const QString blobsDir = QDir(cache.blobsDir()).canonicalPath();
  for (const QString& blob : std::as_const(blobs))
    if (!blob.isEmpty() && QFileInfo(blob).absolutePath() == blobsDir)
      ok = QFile::remove(blob) && ok;
  if (!ok && error)
    *error = QStringLiteral("Could not delete all of %1 in %2: check its permissions.")
                 .arg(file, QDir::toNativeSeparators(cache.repoDir()));
  return ok;
}

}  // namespace coil::app
