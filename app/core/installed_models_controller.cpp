// InstalledModelsController: the installed models, "use in new chat" and delete.
#include "installed_models_controller.hpp"

#include <QDir>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include "active_model.hpp"
#include "app_settings.hpp"
#include "chat_controller.hpp"
#include "demo_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "installed_model.hpp"
#include "installed_models_model.hpp"
#include "repo_cache.hpp"
#include "repo_details_fetcher.hpp"

namespace coil::app {

namespace {

QString clean(const QString& path) {
  return path.isEmpty() ? QString() : QDir::cleanPath(QDir(path).absolutePath());
}

}  // namespace

namespace {

InstalledModelsController::Scan scanInstalled(const QString& cacheDir, const QStringList& folders) {
  InstalledModelsController::Scan out;
  out.models = scanHubCache(cacheDir);
  QSet<QString> paths;
  for (const InstalledModel& m : std::as_const(out.models)) {
    paths.insert(m.path);
    if (m.complete) out.completeRepos.insert(m.repoId);
  }
  const QString demo = clean(findDemoModel());
  if (!demo.isEmpty() && !paths.contains(demo)) {
    out.models << describeFolder(demo, QStringLiteral("demo"));
    paths.insert(demo);
  }
  // A folder loaded by hand: the one in use and the ones loaded before (AppSettings).
  for (const QString& p : folders)
    if (!p.isEmpty() && !paths.contains(p) && QFileInfo(p).isDir()) {
      out.models << describeFolder(p, QStringLiteral("folder"));
      paths.insert(p);
    }
  return out;
}

}  // namespace

InstalledModelsController::InstalledModelsController(const Parts& parts, QObject* parent)
    : QObject(parent), parts_(parts), machine_(machineMemory(QVariantList{})) {
  rows_ = new InstalledModelsModel(this);
  connect(&scanWatcher_, &QFutureWatcher<Scan>::finished, this,
          &InstalledModelsController::onScanned);
  connect(&deleteWatcher_, &QFutureWatcher<QString>::finished, this,
          &InstalledModelsController::onDeleted);
  if (parts_.model) {
    // the model in use is marked at once; a folder loaded by hand joins after a scan
    for (auto signal : {&ActiveModel::modelChanged, &ActiveModel::loadingChanged})
      connect(parts_.model, signal, this, [this] {
        rebuildRows();
        refresh();
      });
  }
  if (parts_.settings)  // a safetensors folder's badge follows Settings > Weights
    connect(parts_.settings, &AppSettings::weightsChanged, this,
            &InstalledModelsController::rebuildRows);
  refresh();
}

InstalledModelsController::~InstalledModelsController() {
  // a scan or a delete still running finishes on the pool; its result is not wanted
  scanWatcher_.disconnect(this);
  deleteWatcher_.disconnect(this);
}

void InstalledModelsController::setMachine(const MachineMemory& machine) {
  machine_ = machine;
  rebuildRows();
}

void InstalledModelsController::refresh() {
  // The cache is walked on the thread pool; a refresh asked for meanwhile scans once more.
  if (scanning_) {
    rescan_ = true;
    return;
  }
  QStringList folders;
  if (parts_.model) folders << parts_.model->path() << parts_.model->loadingPath();
  if (parts_.settings) folders << parts_.settings->modelFolders();
  for (QString& f : folders) f = clean(f);
  scanning_ = true;
  emit scanningChanged();
  scanWatcher_.setFuture(QtConcurrent::run(scanInstalled, parts_.cacheDir, folders));
}

void InstalledModelsController::onScanned() {
  const Scan scan = scanWatcher_.result();
  models_ = scan.models;
  completeRepos_ = scan.completeRepos;
  scanning_ = false;
  if (rescan_) {
    rescan_ = false;
    refresh();  // what changed since this scan started
  }
  rebuildRows();
  if (!scanning_) emit scanningChanged();
}

void InstalledModelsController::rebuildRows() {
  QList<InstalledRow> rows;
  for (const InstalledModel& m : std::as_const(models_)) {
    InstalledRow r;
    r.model = m;
    r.inUse =
        parts_.model && (m.path == clean(parts_.model->path()) ||
                         (parts_.model->loading() && m.path == clean(parts_.model->loadingPath())));
    const hub::MemoryEstimate e =
        estimateAs(m, parts_.settings ? parts_.settings->weights() : QStringLiteral("stored"));
    if (e.valid) r.fit = assessMemoryFit(e, machine_);
    r.deleteBlock =
        deleting_.contains(m.path) ? tr("%1 is being deleted.").arg(m.name) : deleteBlockOf(r);
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
  if (deleteWatcher_.isRunning()) {
    emit messageRaised(tr("Another model is being deleted: try again in a moment."));
    return false;
  }
  // A model is gigabytes of files: removed on the thread pool, the row refused meanwhile.
  // One quant of a GGUF repo (one .gguf file) goes alone; a safetensors repo goes whole.
  const QString repoId = rows_->find(p)->model.repoId;
  const QString file = rows_->find(p)->model.file;
  deleting_ = {p, repoId, file};
  rebuildRows();
  deleteWatcher_.setFuture(QtConcurrent::run([cacheDir = parts_.cacheDir, repoId, file] {
    QString error;
    if (file.isEmpty())
      removeRepoFromCache(cacheDir, repoId, &error);
    else
      removeFileFromCache(cacheDir, repoId, file, &error);
    return error;
  }));
  return true;
}

void InstalledModelsController::onDeleted() {
  const QString error = deleteWatcher_.result();
  const QString path = deleting_.value(0);
  const QString repoId = deleting_.value(1);
  const QString file = deleting_.value(2);
  deleting_.clear();
  if (!error.isEmpty()) emit messageRaised(error);
  // Finished downloads of it would point to deleted files (of one file: that file's only,
  // unless the repo went with its last .gguf file).
  const bool repoGone = !QFileInfo::exists(hub::RepoCache(parts_.cacheDir, repoId).repoDir());
  if (parts_.queue)
    for (const hub::DownloadQueue::Entry& e : parts_.queue->entries())
      if (e.repoId == repoId && e.status == hub::DownloadQueue::Status::Finished &&
          (file.isEmpty() || repoGone || e.include == QStringList{file}))
        parts_.queue->remove(e.id);
  // (a GGUF repo's file list on the Hub did not change: its quants stay downloadable)
  if (parts_.details)
    if (const RepoDetails* d = parts_.details->details(repoId); !d || !d->gguf)
      parts_.details->forget(repoId);
  refresh();
  emit deleted(path, error.isEmpty());
}

}  // namespace coil::app
