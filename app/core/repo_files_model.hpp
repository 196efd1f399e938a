// The files of one Hub repository (App.models.files), as the tree API lists them: path,
// size, whether it is an LFS object, and what it is to Coil (weights, config, tokenizer,
// other). Shown when a search result's files are opened.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "hub_types.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

class RepoFilesModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.files")
  Q_PROPERTY(qint64 totalBytes READ totalBytes NOTIFY filesChanged)
  Q_PROPERTY(QString totalText READ totalText NOTIFY filesChanged)

 public:
  enum Role { PathRole = Qt::UserRole + 1, SizeRole, SizeTextRole, LfsRole, KindRole };
  Q_ENUM(Role)

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  void setFiles(const QList<hub::RepoFile>& files);
  qint64 totalBytes() const;
  // "7 files, 14.5 GB"
  QString totalText() const;

  // "weights" (*.safetensors), "config" (config.json, generation_config.json), "tokenizer"
  // (tokenizer*, special_tokens_map.json), "other".
  static QString kindOf(const QString& path);

 signals:
  void filesChanged();

 private:
  QList<hub::RepoFile> rows_;
};

}  // namespace coil::app
