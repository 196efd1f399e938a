// InstalledModelsController: the installed models, "use in new chat" and delete.
#include "installed_models_controller.hpp"

#include <QDir>
#include <QFileInfo>

#include "active_model.hpp"
#include "chat_controller.hpp"
#include "demo_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "installed_model.hpp"
#include "installed_models_model.hpp"
#include "repo_details_fetcher.hpp"

namespace coil::app {

namespace {

QString clean(const QString& path) {
  return path.isEmpty() ? QString() : QDir::cleanPath(QDir(path).absolutePath());
}

}  // namespace

InstalledModelsController::InstalledModelsController(const Parts& parts, QObject* parent)
    : QObject(parent), parts_(parts), machine_(machineMemory(QVariantList{})) {
  rows_ = new InstalledModelsModel(this);
  if (parts_.model) {
    connect(parts_.model, &ActiveModel::modelChanged, this, &InstalledModelsController::refresh);
    connect(parts_.model, &ActiveModel::loadingChanged, this, &InstalledModelsController::refresh);
  }
  refresh();
}

void InstalledModelsController::setMachine(const MachineMemory& machine) {
  machine_ = machine;
  refresh();
}

void InstalledModelsController::refresh() {
  QList<InstalledModel> models = scanHubCache(parts_.cacheDir);
  QSet<QString> paths;
  completeRepos_.clear();
  for (const InstalledModel& m : std::as_const(models)) {
    paths.insert(m.path);
    if (m.complete) completeRepos_.insert(m.repoId);
  }
  const QString demo = clean(findDemoModel());
  if (!demo.isEmpty() && !paths.contains(demo)) {
    models << describeFolder(demo, QStringLiteral("demo"));
    paths.insert(demo);
  }
  if (parts_.model) {
    for (const QString& p : {clean(parts_.model->path()), clean(parts_.model->loadingPath())})
      if (!p.isEmpty() && !paths.contains(p) && QFileInfo(p).isDir()) {
        models << describeFolder(p, QStringLiteral("folder"));
        paths.insert(p);
      }
  }
  QList<InstalledRow> rows;
  for (const InstalledModel& m : std::as_const(models)) {
    InstalledRow r;
    r.model = m;
    r.inUse =
        parts_.model && (m.path == clean(parts_.model->path()) ||
                         (parts_.model->loading() && m.path == clean(parts_.model->loadingPath())));
    if (m.estimate.valid) r.fit = assessMemoryFit(m.estimate, machine_);
    r.deleteBlock = deleteBlockOf(r);
    rows << r;
  }
  rows_->setRows(rows);
  emit changed();
}

QString InstalledModelsController::deleteBlock(const QString& path) const {
  const InstalledRow* row = rows_->find(path);
  if (!row) return tr("%1 is not an installed model.").arg(QDir::toNativeSeparators(path));
  return deleteBlockOf(*row);
}

QString InstalledModelsController::deleteBlockOf(const InstalledRow& row) const {
  const InstalledModel& m = row.model;
  if (m.kind == QLatin1String("demo"))
    return tr("The bundled demo model is part of Coil and cannot be deleted.");
  if (m.kind != QLatin1String("hub"))
    return tr("Coil deletes only models in the Hugging Face cache (%1); this folder is yours "
              "to delete.")
        .arg(QDir::toNativeSeparators(parts_.cacheDir));
  if (row.inUse)
    return tr("%1 is the model in use: load another model first, then delete it.").arg(m.name);
  const DownloadListModel::Status status =
      parts_.downloads ? parts_.downloads->statusOfRepo(m.repoId) : DownloadListModel::None;
  if (status == DownloadListModel::Queued || status == DownloadListModel::Downloading ||
      status == DownloadListModel::Paused)
    return tr("A download of %1 is not finished: cancel it first (Downloads).").arg(m.name);
  return {};
}

const InstalledRow* InstalledModelsController::usableRow(const QString& path) {
  const InstalledRow* row = rows_->find(clean(path));
  if (!row) {
    emit messageRaised(tr("%1 is not an installed model.").arg(QDir::toNativeSeparators(path)));
    return nullptr;
  }
  if (!row->model.compatible) {
    emit messageRaised(tr("%1 cannot be used: %2").arg(row->model.name, row->model.reason));
    return nullptr;
  }
  return row;
}

void InstalledModelsController::loadUnlessInUse(const QString& target) {
  if (!parts_.model) return;
  const bool current = clean(parts_.model->path()) == target && !parts_.model->loading();
  const bool coming = parts_.model->loading() && clean(parts_.model->loadingPath()) == target;
  if (!current && !coming) parts_.model->load(target);
}

bool InstalledModelsController::useInNewChat(const QString& path) {
  const InstalledRow* row = usableRow(path);
  if (!row) return false;
  const QString target = row->model.path;
  if (parts_.chat) parts_.chat->newChat();
  loadUnlessInUse(target);
  emit chatRequested();
  return true;
}

bool InstalledModelsController::useInThisChat(const QString& path) {
  const InstalledRow* row = usableRow(path);
  if (!row) return false;
  loadUnlessInUse(row->model.path);
  return true;
}

bool InstalledModelsController::requestDelete(const QString& path) {
  const QString p = clean(path);
  if (const QString block = deleteBlock(p); !block.isEmpty()) {
    emit messageRaised(block);
    return false;
  }
  const InstalledRow* row = rows_->find(p);
  emit deleteConfirmationRequested(p, row->model.name, hub::formatBytes(row->model.sizeBytes));
  return true;
}

bool InstalledModelsController::deleteInstalled(const QString& path) {
  const QString p = clean(path);
  if (const QString block = deleteBlock(p); !block.isEmpty()) {
    emit messageRaised(block);
    return false;
  }
  const QString repoId = rows_->find(p)->model.repoId;
  QString error;
  const bool ok = removeRepoFromCache(parts_.cacheDir, repoId, &error);
  if (!ok) emit messageRaised(error);
  // Finished downloads of it would point to deleted files.
  if (parts_.queue)
    for (const hub::DownloadQueue::Entry& e : parts_.queue->entries())
      if (e.repoId == repoId && e.status == hub::DownloadQueue::Status::Finished)
        parts_.queue->remove(e.id);
  if (parts_.details) parts_.details->forget(repoId);
  refresh();
  return ok;
}

}  // namespace coil::app
