// The Models page (App.models): searching the Hugging Face Hub (the curated
// falcon-mamba-7b-instruct first, with its quants; GGUF repos judged by their header) and
// the memory-fit badges and download choices of the results. Its other jobs have classes of
// their own: downloads (ModelDownloads: the persistent queue, App.models.downloads), a
// repo's files (RepoFilesController, App.models.repoFiles), the Installed tab
// (InstalledModelsController, App.installedModels); the access token is a setting
// (AppSettings::saveHfToken), used at once. Errors (offline, gated, network) come back as
// readable text on the page and as banners.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUrl>
#include <QVariantMap>
#include <memory>

#include "hub_settings.hpp"
#include "hub_types.hpp"
#include "memory_fit.hpp"

namespace coil::hub {
class HubClient;
class DownloadQueue;
struct HubError;
}  // namespace coil::hub

namespace coil::app {

class ActiveModel;
class AppSettings;
class ChatController;
class BannerModel;
class HubSearchModel;
class RepoFilesController;
class ModelDownloads;
class DownloadListModel;
class InstalledModelsController;
class RepoDetailsFetcher;
struct HubSearchRow;
struct HubSearchChoice;
struct RepoDetails;

class ModelsController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("hub_search_model.hpp")
  Q_MOC_INCLUDE("repo_files_controller.hpp")
  Q_MOC_INCLUDE("download_list_model.hpp")
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models")
  Q_PROPERTY(coil::app::HubSearchModel* results READ results CONSTANT)
  // The files dialog: one repo's files (its own controller).
  Q_PROPERTY(coil::app::RepoFilesController* repoFiles READ repoFiles CONSTANT)
  Q_PROPERTY(coil::app::DownloadListModel* downloads READ downloads CONSTANT)
  // The search box: setting it searches after a short pause; search() searches at once.
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY searchChanged)
  Q_PROPERTY(QStringList sortOptions READ sortOptions CONSTANT)
  Q_PROPERTY(int sortIndex READ sortIndex WRITE setSortIndex NOTIFY searchChanged)
  Q_PROPERTY(bool searching READ searching NOTIFY searchChanged)
  Q_PROPERTY(QString searchError READ searchError NOTIFY searchChanged)
  Q_PROPERTY(bool canLoadMore READ canLoadMore NOTIFY searchChanged)
  Q_PROPERTY(QString machineText READ machineText NOTIFY machineChanged)
  Q_PROPERTY(QString cacheDir READ cacheDir CONSTANT)
  Q_PROPERTY(QUrl cacheUrl READ cacheUrl CONSTANT)
  Q_PROPERTY(QString endpoint READ endpoint CONSTANT)
  Q_PROPERTY(bool offline READ offline CONSTANT)
  // The search lists GGUF repos only (searchGguf); typing a new query ends that.
  Q_PROPERTY(bool ggufOnly READ ggufOnly NOTIFY searchChanged)
  // The last thing the page should tell (a refused delete, a failed download), "" if none.
  Q_PROPERTY(QString message READ message NOTIFY messageChanged)

 public:
  struct Parts {
    QString dataDir;  // "" (in-memory app): downloads are tracked in a temporary folder
    ActiveModel* model = nullptr;
    ChatController* chat = nullptr;
    BannerModel* banners = nullptr;
    AppSettings* settings = nullptr;  // the access token; nullptr: HF_TOKEN only
  };
  // The Hub settings come from the environment (HF_ENDPOINT, HF_HUB_CACHE/HF_HOME,
  // HF_HUB_OFFLINE, HF_TOKEN) and the token saved in the settings. Starts the download queue.
  explicit ModelsController(const Parts& parts, QObject* parent = nullptr);
  ~ModelsController() override;

  HubSearchModel* results() const { return results_; }
  RepoFilesController* repoFiles() const { return repoFiles_; }
  DownloadListModel* downloads() const;
  InstalledModelsController* installed() const { return installed_; }
  QString query() const { return query_; }
  void setQuery(const QString& query);
  QStringList sortOptions() const;
  int sortIndex() const { return sortIndex_; }
  void setSortIndex(int index);
  bool searching() const { return searching_; }
  QString searchError() const { return searchError_; }
  bool ggufOnly() const { return ggufOnly_; }
  bool canLoadMore() const { return !next_.isEmpty() && !searching_; }
  QString machineText() const { return describeMachine(machine_); }
  QString cacheDir() const;
  QUrl cacheUrl() const { return QUrl::fromLocalFile(cacheDir()); }
  QString endpoint() const;
  bool offline() const;
  // Whether the Hub client has an access token (saved or from the environment).
  bool hasToken() const;
  QString message() const { return message_; }
  hub::HubClient* client() const { return client_; }
  hub::DownloadQueue* queue() const;

  // The page was opened: rescans the installed models and runs the first search.
  Q_INVOKABLE void activate();
  Q_INVOKABLE void search(const QString& text);
  // Searches the Hub for GGUF repos of a model (its name without the org): what the curated
  // entry offers when one of its quants' repos is not on the Hub.
  Q_INVOKABLE void searchGguf(const QString& repoId);
  Q_INVOKABLE void loadMore();
  // Queues a download of the repo's main revision; returns its id ("" when refused). A row
  // with choices (the curated entry, a GGUF repo) downloads its default choice only.
  Q_INVOKABLE QString download(const QString& repoId);
  // Queues choice `index` of the row's choices (a quant of the curated model, one .gguf file).
  Q_INVOKABLE QString downloadChoice(const QString& repoId, int index);
  Q_INVOKABLE void dismissMessage();

  // From InferenceWorker::devicesListed: the GPUs' memory for the memory-fit badges.
  void setDeviceLists(const QVariantMap& devices, const QVariantList& gpus);
  // The machine the badges and the default choices are judged against.
  void setMachine(const MachineMemory& machine);

 signals:
  void searchChanged();
  void machineChanged();
  void messageChanged();
  void downloadFinished(const QString& repoId, const QString& snapshotPath);

 private:
  void runSearch(bool append);
  void onSearchPage(const hub::SearchPage& page, const hub::HubError& error);
  void rebuildResults();
  // The row's summary as the details found it (a GGUF repo's architecture) and its choices.
  void applyDetails(HubSearchRow& row) const;
  QList<HubSearchChoice> curatedChoices() const;
  // Settings > Weights ("stored", "q8_0", "q4_k"): how a safetensors model will be held.
  QString weights() const;
  QList<HubSearchChoice> ggufChoices(const QString& repoId) const;
  // Whether a download of `repoId` (the file pattern `include`, or the whole repo) is in the
  // cache, and its download's status.
  bool inCache(const QString& repoId, const QString& include) const;
  void fetchDetails();
  void onDetails(const QString& repoId);
  void onDownloadFinished(const QString& repoId, const QString& path);
  void setMessage(const QString& message);
  void onTokenChanged();

  Parts parts_;
  hub::HubClient* client_ = nullptr;
  RepoDetailsFetcher* details_ = nullptr;
  HubSearchModel* results_ = nullptr;
  RepoFilesController* repoFiles_ = nullptr;
  ModelDownloads* downloads_ = nullptr;
  InstalledModelsController* installed_ = nullptr;
  MachineMemory machine_;

  QString query_;
  QTimer queryTimer_;
  int sortIndex_ = 0;
  bool searched_ = false;
  bool searching_ = false;
  bool ggufOnly_ = false;
  int searchSerial_ = 0;
  QString searchError_;
  QList<hub::ModelSummary> summaries_;
  QUrl next_;

  QString message_;
};

}  // namespace coil::app
