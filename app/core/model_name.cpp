#include "model_name.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include "coil/error.hpp"
#include "coil/gguf.hpp"

namespace coil::app {

namespace {

constexpr int kMaxRefs = 256;  // refs/ files read when naming a revision (bounded work)

bool isGgufPath(const QString& path) {
  return path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive) && QFileInfo(path).isFile();
}

struct SnapshotPlace {
  QString repoDir;  // <cache>/models--org--name
  QString repoId;
  QString commit;
};

// <cache>/models--org--name/snapshots/<commit> (the folder, or the folder of a file in it).
SnapshotPlace snapshotPlace(const QString& path) {
  const QString clean = QDir::cleanPath(path);
  QString folder = isGgufPath(clean) ? QFileInfo(clean).absolutePath() : clean;
  // a file may sit in a subfolder of the snapshot: walk up to the "snapshots" level
  for (int depth = 0; depth < 8 && !folder.isEmpty(); ++depth) {
    const QFileInfo fi(folder);
    const QFileInfo snapshots(fi.absolutePath());
    const QFileInfo repo(snapshots.absolutePath());
    if (snapshots.fileName() == QLatin1String("snapshots") &&
        repo.fileName().startsWith(QLatin1String("models--"))) {
      const QStringList parts = repo.fileName().mid(8).split(QStringLiteral("--"));
      if (parts.size() < 2 || parts.contains(QString())) return {};
      return {repo.absoluteFilePath(), parts.join(QLatin1Char('/')), fi.fileName()};
    }
    const QString up = fi.absolutePath();
    if (up == folder) break;
    folder = up;
  }
  return {};
}

// The ref (branch or tag) that points at `commit`: "main" first, else any other, else "".
QString refOf(const QString& repoDir, const QString& commit) {
  const QString refsDir = repoDir + QStringLiteral("/refs");
  auto pointsAt = [&](const QString& file) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly) || f.size() > 256) return false;
    return QString::fromLatin1(f.readAll()).trimmed() == commit;
  };
  if (pointsAt(refsDir + QStringLiteral("/main"))) return QStringLiteral("main");
  QDirIterator it(refsDir, QDir::Files, QDirIterator::Subdirectories);
  for (int n = 0; it.hasNext() && n < kMaxRefs; ++n) {
    const QString file = it.next();
    if (pointsAt(file)) return QDir(refsDir).relativeFilePath(file);
  }
  return {};
}

}  // namespace

QString repoIdOfSnapshotPath(const QString& path) {
  return snapshotPlace(path).repoId;
}

QString modelDisplayName(const QString& path) {
  const SnapshotPlace place = snapshotPlace(path);
  if (!place.repoId.isEmpty()) {
    const QString ref = refOf(place.repoDir, place.commit);
    if (ref == QLatin1String("main")) return place.repoId;
    return QStringLiteral("%1 @ %2").arg(place.repoId, ref.isEmpty() ? place.commit.left(8) : ref);
  }
  const QFileInfo fi(QDir::cleanPath(path));
  if (isGgufPath(path)) return fi.completeBaseName();
  return fi.fileName();
}

QString ggufQuantLabel(const QString& path) {
  if (!isGgufPath(path)) return {};
  try {
    const GgufFile file(path.toStdString());
    if (const auto t = file.get_uint("general.file_type")) {
      const std::string name = gguf_file_type_name(*t);
      if (!name.empty()) return QString::fromStdString(name);
    }
    // no (known) file type: the type of the first block weight (blk.0's input projection)
    for (const GgufTensorInfo& t : file.tensor_infos())
      if (t.name == "blk.0.ssm_in.weight")
        return QString::fromStdString(ggml_type_name(t.ggml_type));
  } catch (const Error&) {
  }
  return {};
}

QString modelTitle(const QString& name, const QString& quant) {
  return quant.isEmpty() ? name : QStringLiteral("%1 · %2").arg(name, quant);
}

}  // namespace coil::app
