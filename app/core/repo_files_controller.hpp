// The Models page's files dialog (App.models.repoFiles): one repo's files as the tree API
// lists them (RepoFilesModel), from the page's shared RepoDetailsFetcher, each .gguf file of
// a GGUF repo Coil runs with its memory-fit badge and a download of that file alone.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <functional>

#include "memory_fit.hpp"

namespace coil::app {

class RepoDetailsFetcher;
class RepoFilesModel;
struct RepoDetails;

class RepoFilesController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("repo_files_model.hpp")
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.models.repoFiles")
  Q_PROPERTY(coil::app::RepoFilesModel* files READ files CONSTANT)
  Q_PROPERTY(QString repo READ repo NOTIFY changed)
  Q_PROPERTY(bool loading READ loading NOTIFY changed)
  Q_PROPERTY(QString error READ error NOTIFY changed)
  // The files shown are a GGUF repo's: each .gguf file is downloaded alone.
  Q_PROPERTY(bool gguf READ gguf NOTIFY changed)

 public:
  struct Parts {
    RepoDetailsFetcher* details = nullptr;
    QString cacheDir;                        // which .gguf files are there already
    bool offline = false;                    // HF_HUB_OFFLINE: nothing is fetched
    std::function<MachineMemory()> machine;  // for the badges
    // Queues a download of one file of a repo; returns its id ("" when refused).
    std::function<QString(const QString& repoId, const QString& file)> enqueue;
  };
  explicit RepoFilesController(Parts parts, QObject* parent = nullptr);

  RepoFilesModel* files() const { return files_; }
  QString repo() const { return repo_; }
  bool loading() const { return loading_; }
  QString error() const { return error_; }
  bool gguf() const { return gguf_; }

  // Shows a repo's files (fetching them unless they are known).
  Q_INVOKABLE void show(const QString& repoId);
  // Queues one .gguf file of the repo shown; "" (with messageRaised) when it is not one Coil
  // runs on its own.
  Q_INVOKABLE QString download(const QString& path);
  // The badges follow a new machine.
  void refresh();

 signals:
  void changed();
  void messageRaised(const QString& message);

 private:
  void onFetched(const QString& repoId);
  void showDetails(const RepoDetails* details);

  Parts parts_;
  RepoFilesModel* files_ = nullptr;
  QString repo_;
  bool loading_ = false;
  QString error_;
  bool gguf_ = false;
};

}  // namespace coil::app
