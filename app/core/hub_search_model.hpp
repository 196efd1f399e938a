// The Models page's search results (App.models.results): one row per Hub repository with
// its downloads, likes, compatibility (greyed with the reason when Coil cannot run it),
// gating, size and memory-fit badge, and whether it is installed or being downloaded. The
// curated entry comes first (see curated_model.hpp). ModelsController fills the rows.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "download_list_model.hpp"
#include "hub_types.hpp"
#include "memory_fit.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

// One way to download a repo's model: a quant of the curated model (its own repo), or one
// .gguf file of a GGUF repo.
struct HubSearchChoice {
  QString quant;    // "BF16", "Q4_K_M", "GGUF" (a file name without a quant)
  QString repoId;   // the repo it comes from
  QString include;  // the file (pattern) downloaded, "" = the whole repo
  qint64 sizeBytes = 0;
  MemoryFit fit;
  bool installed = false;
  DownloadListModel::Status downloadStatus = DownloadListModel::None;
  // Why it cannot be downloaded ("" when it can): the Hub has no such repo (a curated
  // quant's repo renamed or gone). Never offered first; the page offers a GGUF search.
  QString unavailable;
};

struct HubSearchRow {
  hub::ModelSummary summary;
  bool curated = false;
  bool needsToken = false;      // gated and no token is set
  bool detailsPending = false;  // size and memory estimate on the way
  qint64 sizeBytes = -1;        // all files; -1 unknown
  MemoryFit fit;
  bool installed = false;  // a complete snapshot is in the cache
  DownloadListModel::Status downloadStatus = DownloadListModel::None;  // of its download
  // The curated entry's quants, or a GGUF repo's files, most precise first (empty for a
  // safetensors repo: the whole repo is downloaded); the one offered first fits this
  // machine (bestFitIndex).
  QList<HubSearchChoice> choices;
  int defaultChoice = -1;
};

class HubSearchModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.results")

 public:
  enum Role {
    RepoIdRole = Qt::UserRole + 1,
    NameRole,    // the part after '/'
    AuthorRole,  // the part before '/'
    DownloadsRole,
    DownloadsTextRole,  // "90.0k"
    LikesRole,
    LikesTextRole,
    UpdatedTextRole,  // "2024-10-01"
    CompatibleRole,
    ReasonRole,  // why not compatible
    GatedRole,
    NeedsTokenRole,
    CuratedRole,
    SizeBytesRole,
    SizeTextRole,  // "" while unknown
    DetailsPendingRole,
    FitRole,  // the memory-fit badge: {label, tone, tip}
    InstalledRole,
    DownloadStatusRole,
    // [{quant, label: "Q4_K_M · 4.2 GB", sizeText, fit: {label, tone, tip}, installed,
    //   downloadStatus}] (see HubSearchRow::choices)
    ChoicesRole,
    DefaultChoiceRole,
  };
  Q_ENUM(Role)

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  void setRows(const QList<HubSearchRow>& rows);
  const QList<HubSearchRow>& rows() const { return rows_; }
  int rowOf(const QString& repoId) const;

  // "1.2M", "90.0k", "512"
  static QString compactNumber(qint64 n);

 private:
  QList<HubSearchRow> rows_;
};

}  // namespace coil::app
