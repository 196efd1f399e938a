#include "repo_files_model.hpp"

#include "resource_estimate.hpp"

namespace coil::app {

int RepoFilesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QString RepoFilesModel::kindOf(const QString& path) {
  const QString name = path.section(QLatin1Char('/'), -1);
  if (name.endsWith(QLatin1String(".safetensors"))) return QStringLiteral("weights");
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
  const hub::RepoFile& f = rows_[index.row()];
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
  }
  return {};
}

QHash<int, QByteArray> RepoFilesModel::roleNames() const {
  return {{PathRole, "path"},
          {SizeRole, "size"},
          {SizeTextRole, "sizeText"},
          {LfsRole, "lfs"},
          {KindRole, "kind"}};
}

void RepoFilesModel::setFiles(const QList<hub::RepoFile>& files) {
  sync(rows_, files, [](const hub::RepoFile& f) { return f.path; });
  emit filesChanged();
}

qint64 RepoFilesModel::totalBytes() const {
  qint64 total = 0;
  for (const hub::RepoFile& f : rows_) total += f.size;
  return total;
}

QString RepoFilesModel::totalText() const {
  return QStringLiteral("%1 %2, %3")
      .arg(rows_.size())
      .arg(rows_.size() == 1 ? QStringLiteral("file") : QStringLiteral("files"),
           hub::formatBytes(totalBytes()));
}

}  // namespace coil::app
