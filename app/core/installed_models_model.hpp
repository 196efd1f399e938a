// The installed models of the Models page (App.models.installed): the Hugging Face cache's
// repos, the bundled demo model and a folder loaded by hand, with size, path, compatibility,
// the memory-fit badge, whether it is the model in use, and why it cannot be deleted (the
// demo model, the model in use, a folder outside the cache). ModelsController fills it.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "installed_model.hpp"
#include "memory_fit.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

struct InstalledRow {
  InstalledModel model;
  bool inUse = false;   // loaded or loading
  QString deleteBlock;  // why it cannot be deleted, "" when it can
  MemoryFit fit;
};

class InstalledModelsModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.installed")

 public:
  enum Role {
    PathRole = Qt::UserRole + 1,
    NameRole,
    RepoIdRole,
    KindRole,      // "hub", "demo", "folder"
    KindTextRole,  // "Hugging Face cache", "Bundled demo", "Folder"
    SizeBytesRole,
    SizeTextRole,
    CompleteRole,
    CompatibleRole,
    ReasonRole,
    InUseRole,
    CanDeleteRole,
    DeleteBlockRole,
    FitRole,  // the memory-fit badge: {label, tone, tip}
  };
  Q_ENUM(Role)

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  void setRows(const QList<InstalledRow>& rows);
  const QList<InstalledRow>& rows() const { return rows_; }
  // The row of a model folder, or nullptr.
  const InstalledRow* find(const QString& path) const;

 private:
  QList<InstalledRow> rows_;
};

}  // namespace coil::app
