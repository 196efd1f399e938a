#include "installed_models_model.hpp"

namespace coil::app {

int InstalledModelsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant InstalledModelsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const InstalledRow& r = rows_[index.row()];
  const InstalledModel& m = r.model;
  switch (role) {
    case PathRole:
      return m.path;
    case Qt::DisplayRole:
    case NameRole:
      return m.name;
    case RepoIdRole:
      return m.repoId;
    case KindRole:
      return m.kind;
    case KindTextRole:
      return m.kind == QLatin1String("hub")    ? tr("Hugging Face cache")
             : m.kind == QLatin1String("demo") ? tr("Bundled demo")
                                               : tr("Folder");
    case SizeBytesRole:
      return m.sizeBytes;
    case SizeTextRole:
      return hub::formatBytes(m.sizeBytes);
    case CompleteRole:
      return m.complete;
    case CompatibleRole:
      return m.compatible;
    case ReasonRole:
      return m.reason;
    case InUseRole:
      return r.inUse;
    case CanDeleteRole:
      return r.deleteBlock.isEmpty();
    case DeleteBlockRole:
      return r.deleteBlock;
    case FitRole:
      return r.fit.badge();
  }
  return {};
}

QHash<int, QByteArray> InstalledModelsModel::roleNames() const {
  return {{PathRole, "path"},
          {NameRole, "name"},
          {RepoIdRole, "repoId"},
          {KindRole, "kind"},
          {KindTextRole, "kindText"},
          {SizeBytesRole, "sizeBytes"},
          {SizeTextRole, "sizeText"},
          {CompleteRole, "complete"},
          {CompatibleRole, "compatible"},
          {ReasonRole, "reason"},
          {InUseRole, "inUse"},
          {CanDeleteRole, "canDelete"},
          {DeleteBlockRole, "deleteBlock"},
          {FitRole, "fit"}};
}

void InstalledModelsModel::setRows(const QList<InstalledRow>& rows) {
  sync(rows_, rows, [](const InstalledRow& r) { return r.model.path; });
}

const InstalledRow* InstalledModelsModel::find(const QString& path) const {
  for (const InstalledRow& r : rows_)
    if (r.model.path == path) return &r;
  return nullptr;
}

}  // namespace coil::app
