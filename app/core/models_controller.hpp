// The Models page (App.models): searching the Hugging Face Hub (the curated
// falcon-mamba-7b-instruct first), a repo's files, downloads into the standard cache through
// the persistent hub::DownloadQueue (kept in the data folder, started with the app, so
// unfinished downloads continue after a restart) and the memory-fit badges. The Installed
// tab is its InstalledModelsController (App.installedModels); the access token is a
// setting (AppSettings::saveHfToken), used at once. Errors (offline, gated, network) come
// back as readable text on the page and as banners.
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

class QTemporaryDir;

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
class RepoFilesModel;
class DownloadListModel;
class InstalledModelsController;
class RepoDetailsFetcher;

class ModelsController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("hub_search_model.hpp")
  Q_MOC_INCLUDE("repo_files_model.hpp")
  Q_MOC_INCLUDE("download_list_model.hpp")
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models")
  Q_PROPERTY(coil::app::HubSearchModel* results READ results CONSTANT)
  Q_PROPERTY(coil::app::RepoFilesModel* files READ files CONSTANT)
  Q_PROPERTY(coil::app::DownloadListModel* downloads READ downloads CONSTANT)
  // The search box: setting it searches after a short pause; search() searches at once.
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY searchChanged)
  Q_PROPERTY(QStringList sortOptions READ sortOptions CONSTANT)
  Q_PROPERTY(int sortIndex READ sortIndex WRITE setSortIndex NOTIFY searchChanged)
  Q_PROPERTY(bool searching READ searching NOTIFY searchChanged)
  Q_PROPERTY(QString searchError READ searchError NOTIFY searchChanged)
  Q_PROPERTY(bool canLoadMore READ canLoadMore NOTIFY searchChanged)
  Q_PROPERTY(QString filesRepo READ filesRepo NOTIFY filesChanged)
  Q_PROPERTY(bool filesLoading READ filesLoading NOTIFY filesChanged)
  Q_PROPERTY(QString filesError READ filesError NOTIFY filesChanged)
  Q_PROPERTY(QString machineText READ machineText NOTIFY machineChanged)
  Q_PROPERTY(QString cacheDir READ cacheDir CONSTANT)
  Q_PROPERTY(QUrl cacheUrl READ cacheUrl CONSTANT)
  Q_PROPERTY(QString endpoint READ endpoint CONSTANT)
  Q_PROPERTY(bool offline READ offline CONSTANT)
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
  RepoFilesModel* files() const { return files_; }
  DownloadListModel* downloads() const { return downloads_; }
  InstalledModelsController* installed() const { return installed_; }
  QString query() const { return query_; }
  void setQuery(const QString& query);
  QStringList sortOptions() const;
  int sortIndex() const { return sortIndex_; }
  void setSortIndex(int index);
  bool searching() const { return searching_; }
  QString searchError() const { return searchError_; }
  bool canLoadMore() const { return !next_.isEmpty() && !searching_; }
  QString filesRepo() const { return filesRepo_; }
  bool filesLoading() const { return filesLoading_; }
  QString filesError() const { return filesError_; }
  QString machineText() const { return describeMachine(machine_); }
  QString cacheDir() const;
  QUrl cacheUrl() const { return QUrl::fromLocalFile(cacheDir()); }
  QString endpoint() const;
  bool offline() const;
  // Whether the Hub client has an access token (saved or from the environment).
  bool hasToken() const;
  QString message() const { return message_; }
  hub::HubClient* client() const { return client_; }
  hub::DownloadQueue* queue() const { return queue_; }

  // The page was opened: rescans the installed models and runs the first search.
  Q_INVOKABLE void activate();
  Q_INVOKABLE void search(const QString& text);
  Q_INVOKABLE void loadMore();
  Q_INVOKABLE void showFiles(const QString& repoId);
  // Queues a download of the repo's main revision; returns its id ("" when refused).
  Q_INVOKABLE QString download(const QString& repoId);
  Q_INVOKABLE void dismissMessage();

  // From InferenceWorker::devicesListed: the GPUs' memory for the memory-fit badges.
  void setDeviceLists(const QVariantMap& devices, const QVariantList& gpus);

 signals:
  void searchChanged();
  void filesChanged();
  void machineChanged();
  void messageChanged();
  void downloadFinished(const QString& repoId, const QString& snapshotPath);

 private:
  void runSearch(bool append);
  void onSearchPage(const hub::SearchPage& page, const hub::HubError& error);
  void rebuildResults();
  void fetchDetails();
  void onDetails(const QString& repoId);
  void onDownloadFinished(const QString& id, const QString& path);
  void onDownloadFailed(const QString& id, const QString& message);
  void setMessage(const QString& message);
  void onTokenChanged();

  Parts parts_;
  std::unique_ptr<QTemporaryDir> tempState_;
  hub::HubClient* client_ = nullptr;
  hub::DownloadQueue* queue_ = nullptr;
  RepoDetailsFetcher* details_ = nullptr;
  HubSearchModel* results_ = nullptr;
  RepoFilesModel* files_ = nullptr;
  DownloadListModel* downloads_ = nullptr;
  InstalledModelsController* installed_ = nullptr;
  MachineMemory machine_;

  QString query_;
  QTimer queryTimer_;
  int sortIndex_ = 0;
  bool searched_ = false;
  bool searching_ = false;
  int searchSerial_ = 0;
  QString searchError_;
  QList<hub::ModelSummary> summaries_;
  QUrl next_;

  QString filesRepo_;
  bool filesLoading_ = false;
  QString filesError_;
  QString message_;
};

}  // namespace coil::app
