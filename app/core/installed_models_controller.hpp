// The Models page's Installed tab (App.installedModels): the models on this computer (the
// Hugging Face cache, the bundled demo model, a folder loaded by hand) with their size and
// memory fit, "use in new chat", and deleting a repo from the cache (never the demo model,
// the model in use, a folder outside the cache or a repo still downloading).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <QString>

#include "installed_model.hpp"
#include "memory_fit.hpp"

namespace coil::hub {
class DownloadQueue;
}

namespace coil::app {

class ActiveModel;
class AppSettings;
class ChatController;
class DownloadListModel;
class InstalledModelsModel;
class RepoDetailsFetcher;
struct InstalledRow;

class InstalledModelsController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("installed_models_model.hpp")
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.installedModels")
  Q_PROPERTY(coil::app::InstalledModelsModel* rows READ rows CONSTANT)
  // The folders are being walked (on the thread pool); the rows are those of the last scan.
  Q_PROPERTY(bool scanning READ scanning NOTIFY scanningChanged)

 public:
  struct Parts {
    QString cacheDir;                        // the Hugging Face cache (hub::HubSettings)
    ActiveModel* model = nullptr;            // the model in use (never deleted)
    ChatController* chat = nullptr;          // "use in new chat" opens one
    DownloadListModel* downloads = nullptr;  // a repo still downloading is not deleted
    hub::DownloadQueue* queue = nullptr;     // finished downloads of a deleted repo go
    RepoDetailsFetcher* details = nullptr;   // a deleted repo's details are fetched again
    AppSettings* settings = nullptr;         // the folders loaded by hand stay listed
  };
  explicit InstalledModelsController(const Parts& parts, QObject* parent = nullptr);
  ~InstalledModelsController() override;
  // What a scan found (on the thread pool: it walks folders and reads headers).
  struct Scan {
    QList<InstalledModel> models;
    QSet<QString> completeRepos;
  };

  InstalledModelsModel* rows() const { return rows_; }
  // Repos of the cache with a complete snapshot (the search results mark them installed).
  const QSet<QString>& completeRepos() const { return completeRepos_; }
  // The memory the fit badges compare with.
  void setMachine(const MachineMemory& machine);

  bool scanning() const { return scanning_; }
  // Scans the cache again, on the thread pool: the rows follow when it is done (changed()).
  Q_INVOKABLE void refresh();
  // Starts a new chat on an installed model (loading it unless it is the one in use).
  Q_INVOKABLE bool useInNewChat(const QString& path);
  // Switches the open chat to an installed model (the chat header's model switcher): the
  // chat stays, its next answer is read with that model.
  Q_INVOKABLE bool useInThisChat(const QString& path);
  // Refuses (with messageRaised) the demo model, the model in use, a folder outside the
  // cache and a repo still downloading; otherwise asks the page to confirm.
  Q_INVOKABLE bool requestDelete(const QString& path);
  // Deletes the repo's folder from the cache, or one quant (.gguf file) of a GGUF repo
  // alone (the same refusals as requestDelete), on the
  // thread pool: true when it started; deleted() says how it ended.
  Q_INVOKABLE bool deleteInstalled(const QString& path);

 signals:
  // "Use in new chat" started a chat: the window shows it.
  void chatRequested();
  void deleteConfirmationRequested(const QString& path, const QString& name,
                                   const QString& sizeText);
  // What the page should tell (a refused delete...).
  void messageRaised(const QString& message);
  // The rows were scanned again (the search results' "installed" marks may change).
  void changed();
  void scanningChanged();
  // A delete started by deleteInstalled ended (a failure also raised its message).
  void deleted(const QString& path, bool ok);

 private:
  // The row of an installed model Coil can run, or nullptr (with messageRaised).
  const InstalledRow* usableRow(const QString& path);
  void loadUnlessInUse(const QString& path);
  QString deleteBlock(const QString& path) const;
  QString deleteBlockOf(const InstalledRow& row) const;

  void onScanned();
  void onDeleted();
  // The rows from the last scan and what changes without one (the model in use, the memory).
  void rebuildRows();

  Parts parts_;
  InstalledModelsModel* rows_ = nullptr;
  QList<InstalledModel> models_;  // the last scan's
  QFutureWatcher<Scan> scanWatcher_;
  bool scanning_ = false;
  bool rescan_ = false;
  QFutureWatcher<QString> deleteWatcher_;  // the error, "" when the delete worked
  QStringList deleting_;  // {path, repo id, GGUF file or ""} of the model being deleted
  MachineMemory machine_;
  QSet<QString> completeRepos_;
};

}  // namespace coil::app
