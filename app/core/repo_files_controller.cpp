#include "repo_files_controller.hpp"

#include "repo_cache.hpp"
#include "repo_details_fetcher.hpp"
#include "repo_files_model.hpp"
#include "search_results.hpp"

namespace coil::app {

RepoFilesController::RepoFilesController(Parts parts, QObject* parent)
    : QObject(parent), parts_(std::move(parts)) {
  files_ = new RepoFilesModel(this);
  connect(parts_.details, &RepoDetailsFetcher::fetched, this, &RepoFilesController::onFetched);
}

void RepoFilesController::onFetched(const QString& repoId) {
  if (repoId == repo_) showDetails(parts_.details->details(repoId));
}

void RepoFilesController::refresh() {
  if (!repo_.isEmpty() && !loading_) showDetails(parts_.details->details(repo_));
}

void RepoFilesController::showDetails(const RepoDetails* d) {
  loading_ = false;
  error_ = d ? d->error : QString();
  gguf_ = d && d->gguf;
  RepoFilesModel::Context context;
  if (parts_.machine) context.machine = parts_.machine();
  if (d) {
    context.config = d->config;
    context.ggufRunnable = d->gguf && d->error.isEmpty() && d->ggufError.isEmpty() &&
                           hub::isSupportedGgufArchitecture(d->ggufArchitecture);
    const hub::RepoCache cache(parts_.cacheDir, repo_);
    const auto commit = cache.resolveRevision(QStringLiteral("main"));
    for (const hub::RepoFile& f : d->files)
      if (commit && RepoFilesModel::kindOf(f.path) == QLatin1String("gguf") &&
          cache.looksComplete(*commit, {f.path}))
        context.installed.insert(f.path);
  }
  files_->setFiles(d ? d->files : QList<hub::RepoFile>(), context);
  emit changed();
}

void RepoFilesController::show(const QString& repoId) {
  repo_ = repoId;
  error_.clear();
  gguf_ = false;
  const RepoDetails* d = parts_.details->details(repoId);
  if (d && d->error.isEmpty()) {
    showDetails(d);
    return;
  }
  if (parts_.offline) {
    loading_ = false;
    error_ = tr("Offline (HF_HUB_OFFLINE is set): the Hub is not asked for the files.");
    files_->setFiles({});
  } else {
    loading_ = true;
    files_->setFiles({});
    parts_.details->fetch(repoId);
  }
  emit changed();
}

QString RepoFilesController::download(const QString& path) {
  const RepoDetails* d = parts_.details->details(repo_);
  if (!d || !d->gguf || !hub::isSupportedGgufArchitecture(d->ggufArchitecture) ||
      RepoFilesModel::kindOf(path) != QLatin1String("gguf")) {
    emit messageRaised(tr("%1 of %2 cannot be downloaded alone: only a .gguf file of a GGUF "
                          "repo Coil runs is a whole model.")
                           .arg(path, repo_));
    return {};
  }
  return parts_.enqueue ? parts_.enqueue(repo_, path) : QString();
}

}  // namespace coil::app
