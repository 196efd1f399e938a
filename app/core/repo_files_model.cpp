#include "repo_files_model.hpp"

#include <algorithm>

#include "resource_estimate.hpp"
#include "search_results.hpp"

namespace coil::app {

int RepoFilesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QString RepoFilesModel::kindOf(const QString& path) {
  const QString name = path.section(QLatin1Char('/'), -1);
  if (name.endsWith(QLatin1String(".safetensors"))) return QStringLiteral("weights");
  if (name.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) return QStringLiteral("gguf");
  if (name == QLatin1String("config.json") || name == QLatin1String("generation_config.json"))
    return QStringLiteral("config");
  if (name.startsWith(QLatin1String("tokenizer")) ||
      name == QLatin1String("special_tokens_map.json"))
    return QStringLiteral("tokenizer");
  return QStringLiteral("other");
}

QVariant RepoFilesModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Row& row = rows_[index.row()];
  const hub::RepoFile& f = row.file;
  switch (role) {
    case Qt::DisplayRole:
    case PathRole:
      return f.path;
    case SizeRole:
      return f.size;
    case SizeTextRole:
      return hub::formatBytes(f.size);
    case LfsRole:
      return f.isLfs();
    case KindRole:
      return kindOf(f.path);
    case QuantRole:
      return row.quant;
    case GroupRole:
      return row.group;
    case FitRole:
      return row.fit.badge();
    case DownloadableRole:
      return row.downloadable;
    case InstalledRole:
      return row.installed;
  }
  return {};
}

QHash<int, QByteArray> RepoFilesModel::roleNames() const {
  return {{PathRole, "path"},
          {SizeRole, "size"},
          {SizeTextRole, "sizeText"},
          {LfsRole, "lfs"},
          {KindRole, "kind"},
          {QuantRole, "quant"},
          {GroupRole, "group"},
          {FitRole, "fit"},
          {DownloadableRole, "downloadable"},
          {InstalledRole, "installed"}};
}

void RepoFilesModel::setFiles(const QList<hub::RepoFile>& files, const Context& context) {
  QList<Row> ggufRows, otherRows;
  for (const hub::RepoFile& f : files) {
    Row r;
    r.file = f;
    if (kindOf(f.path) == QLatin1String("gguf")) {
      r.quant = hub::ggufQuantOfFileName(f.path);
      r.group = r.quant.isEmpty() ? QStringLiteral("GGUF") : r.quant;
      r.fit =
          assessMemoryFit(hub::estimateStoredMemory(f.size, context.config, 0), context.machine);
      r.downloadable = context.ggufRunnable;
      r.installed = context.installed.contains(f.path);
      ggufRows << r;
    } else {
      otherRows << r;
    }
  }
  // sections must be contiguous: the GGUF files by quant (largest quant last), then the rest
  std::stable_sort(ggufRows.begin(), ggufRows.end(), [](const Row& a, const Row& b) {
    return a.group != b.group ? a.group < b.group : a.file.path < b.file.path;
  });
  const QString other = ggufRows.isEmpty() ? QString() : QStringLiteral("Other files");
  for (Row& r : otherRows) r.group = other;
  sync(rows_, ggufRows + otherRows, [](const Row& r) { return r.file.path; });
  emit filesChanged();
}

qint64 RepoFilesModel::totalBytes() const {
  qint64 total = 0;
  for (const Row& r : rows_) total += r.file.size;
  return total;
}

QString RepoFilesModel::totalText() const {
  return QStringLiteral("%1 %2, %3")
      .arg(rows_.size())
      .arg(rows_.size() == 1 ? QStringLiteral("file") : QStringLiteral("files"),
           hub::formatBytes(totalBytes()));
}

}  // namespace coil::app
