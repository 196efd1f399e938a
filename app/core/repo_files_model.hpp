// The files of one Hub repository (App.models.repoFiles.files), as the tree API lists them: path,
// size, whether it is an LFS object, and what it is to Coil (weights, gguf, config,
// tokenizer, other). Shown when a search result's files are opened. A GGUF repo's .gguf files
// come first, grouped by quant type (the `group` role, for ListView sections), each with
// its memory-fit badge and whether it can be downloaded alone (one file is a whole model).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QJsonObject>
#include <QSet>

#include "hub_types.hpp"
#include "memory_fit.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

class RepoFilesModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.repoFiles.files")
  Q_PROPERTY(qint64 totalBytes READ totalBytes NOTIFY filesChanged)
  Q_PROPERTY(QString totalText READ totalText NOTIFY filesChanged)

 public:
  enum Role {
    PathRole = Qt::UserRole + 1,
    SizeRole,
    SizeTextRole,
    LfsRole,
    KindRole,
    QuantRole,         // a .gguf file's quant type from its name ("Q4_K_M"), else ""
    GroupRole,         // the section: "Q4_K_M", "GGUF" (no quant in the name), "Other files"
    FitRole,           // a .gguf file's memory-fit badge
    DownloadableRole,  // a .gguf file of a repo Coil runs: downloaded alone
    InstalledRole,     // that file is in the cache
  };
  Q_ENUM(Role)

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  struct Context {
    MachineMemory machine;
    QJsonObject config;         // the repo's config.json, for the state size ({} if none)
    bool ggufRunnable = false;  // the repo is a GGUF repo of an architecture Coil runs
    QSet<QString> installed;    // its files already in the cache
  };
  void setFiles(const QList<hub::RepoFile>& files, const Context& context);
  void setFiles(const QList<hub::RepoFile>& files) { setFiles(files, Context()); }
  qint64 totalBytes() const;
  // "7 files, 14.5 GB"
  QString totalText() const;

  // "weights" (*.safetensors), "gguf" (*.gguf), "config" (config.json, generation_config.json),
  // "tokenizer" (tokenizer*, special_tokens_map.json), "other".
  static QString kindOf(const QString& path);

 signals:
  void filesChanged();

 private:
  struct Row {
    hub::RepoFile file;
    QString quant;
    QString group;
    MemoryFit fit;
    bool downloadable = false;
    bool installed = false;
  };
  QList<Row> rows_;
};

}  // namespace coil::app
