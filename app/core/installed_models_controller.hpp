// The Models page's Installed tab (App.installedModels): the models on this computer (the
// Hugging Face cache, the bundled demo model, a folder loaded by hand) with their size and
// memory fit, "use in new chat", and deleting a repo from the cache (never the demo model,
// the model in use, a folder outside the cache or a repo still downloading).
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QSet>
#include <QString>

#include "memory_fit.hpp"

namespace coil::hub {
class DownloadQueue;
}

namespace coil::app {

class ActiveModel;
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

 public:
  struct Parts {
    QString cacheDir;                        // the Hugging Face cache (hub::HubSettings)
    ActiveModel* model = nullptr;            // the model in use (never deleted)
    ChatController* chat = nullptr;          // "use in new chat" opens one
    DownloadListModel* downloads = nullptr;  // a repo still downloading is not deleted
    hub::DownloadQueue* queue = nullptr;     // finished downloads of a deleted repo go
    RepoDetailsFetcher* details = nullptr;   // a deleted repo's details are fetched again
  };
  explicit InstalledModelsController(const Parts& parts, QObject* parent = nullptr);

  InstalledModelsModel* rows() const { return rows_; }
  // Repos of the cache with a complete snapshot (the search results mark them installed).
  const QSet<QString>& completeRepos() const { return completeRepos_; }
  // The memory the fit badges compare with.
  void setMachine(const MachineMemory& machine);

  // Scans the cache again.
  Q_INVOKABLE void refresh();
  // Starts a new chat on an installed model (loading it unless it is the one in use).
  Q_INVOKABLE bool useInNewChat(const QString& path);
  // Refuses (with messageRaised) the demo model, the model in use, a folder outside the
  // cache and a repo still downloading; otherwise asks the page to confirm.
  Q_INVOKABLE bool requestDelete(const QString& path);
  // Deletes the repo's folder from the cache (the same refusals as requestDelete).
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

 private:
  QString deleteBlock(const QString& path) const;
  QString deleteBlockOf(const InstalledRow& row) const;

  Parts parts_;
  InstalledModelsModel* rows_ = nullptr;
  MachineMemory machine_;
  QSet<QString> completeRepos_;
};

}  // namespace coil::app
