#include "models_controller.hpp"

#include <QTemporaryDir>

#include "active_model.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "curated_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "hub_client.hpp"
#include "hub_error.hpp"
#include "hub_search_model.hpp"
#include "installed_models_controller.hpp"
#include "repo_details_fetcher.hpp"
#include "repo_files_model.hpp"

namespace coil::app {

namespace {

// With an empty box the page lists Mamba repositories rather than the Hub's most popular.
constexpr const char* kDefaultSearch = "mamba";
constexpr int kPageSize = 30;
constexpr int kDetailRows = 40;  // rows whose size and memory estimate are fetched

hub::SearchSort sortAt(int index) {
  switch (index) {
    case 1:
      return hub::SearchSort::Likes;
    case 2:
      return hub::SearchSort::LastModified;
  }
  return hub::SearchSort::Downloads;
}

}  // namespace

ModelsController::ModelsController(const Parts& parts, QObject* parent)
    : QObject(parent), parts_(parts) {
  client_ = new hub::HubClient(
      hub::HubSettings::fromEnvironment(parts.settings ? parts.settings->hfToken() : QString()),
      this);
  QString stateDir = parts.dataDir;
  if (stateDir.isEmpty()) {
    tempState_ = std::make_unique<QTemporaryDir>();
    stateDir = tempState_->path();
  }
  machine_ = machineMemory(QVariantList{});
  queue_ = new hub::DownloadQueue(client_, stateDir, this);
  details_ = new RepoDetailsFetcher(client_, this);
  results_ = new HubSearchModel(this);
  files_ = new RepoFilesModel(this);
  downloads_ = new DownloadListModel(queue_, cacheDir(), this);
  installed_ = new InstalledModelsController(
      {cacheDir(), parts_.model, parts_.chat, downloads_, queue_, details_}, this);

  queryTimer_.setSingleShot(true);
  queryTimer_.setInterval(400);
  connect(&queryTimer_, &QTimer::timeout, this, [this] { search(query_); });
  connect(details_, &RepoDetailsFetcher::fetched, this, &ModelsController::onDetails);
  connect(queue_, &hub::DownloadQueue::finished, this, &ModelsController::onDownloadFinished);
  connect(queue_, &hub::DownloadQueue::failed, this, &ModelsController::onDownloadFailed);
  for (auto signal : {&hub::DownloadQueue::entryAdded, &hub::DownloadQueue::entryChanged,
                      &hub::DownloadQueue::entryRemoved})
    connect(queue_, signal, this, [this] { rebuildResults(); });
  // The Installed list (and its count) follows the cache as downloads start, end or are
  // cancelled (a cancel deletes the partial files after the entry is gone).
  for (auto signal : {&hub::DownloadQueue::entryAdded, &hub::DownloadQueue::entryChanged})
    connect(queue_, signal, installed_, &InstalledModelsController::refresh);
  connect(downloads_, &DownloadListModel::cacheChanged, installed_,
          &InstalledModelsController::refresh);
  connect(installed_, &InstalledModelsController::changed, this, [this] { rebuildResults(); });
  connect(installed_, &InstalledModelsController::messageRaised, this,
          &ModelsController::setMessage);
  if (parts_.settings)
    connect(parts_.settings, &AppSettings::hfTokenChanged, this, &ModelsController::onTokenChanged);
  rebuildResults();  // the curated entry, before any search
  queue_->start();   // unfinished downloads of the last session continue
}

ModelsController::~ModelsController() {
  // The running download stops first (its partial file stays for the next start).
  delete queue_;
  queue_ = nullptr;
}

QString ModelsController::cacheDir() const {
  return client_->settings().cacheDir;
}

QString ModelsController::endpoint() const {
  return client_->settings().endpoint;
}

bool ModelsController::offline() const {
  return client_->settings().offline;
}

bool ModelsController::hasToken() const {
  return !client_->settings().token.isEmpty();
}

QStringList ModelsController::sortOptions() const {
  return {tr("Most downloads"), tr("Most likes"), tr("Recently updated")};
}

void ModelsController::setSortIndex(int index) {
  index = qBound(0, index, 2);
  if (index == sortIndex_) return;
  sortIndex_ = index;
  emit searchChanged();
  search(query_);
}

void ModelsController::setQuery(const QString& query) {
  if (query == query_) return;
  query_ = query;
  emit searchChanged();
  queryTimer_.start();
}

void ModelsController::activate() {
  installed_->refresh();
  if (!searched_) search(query_);
}

void ModelsController::search(const QString& text) {
  queryTimer_.stop();
  query_ = text;
  runSearch(false);
}

void ModelsController::loadMore() {
  if (next_.isEmpty() || searching_) return;
  runSearch(true);
}

void ModelsController::runSearch(bool append) {
  searched_ = true;
  const int serial = ++searchSerial_;
  searching_ = true;
  searchError_.clear();
  if (!append) {
    summaries_.clear();
    next_.clear();
    rebuildResults();
  }
  emit searchChanged();
  auto done = [this, serial](const hub::SearchPage& page, const hub::HubError& error) {
    if (serial == searchSerial_) onSearchPage(page, error);
  };
  if (append) {
    client_->searchPage(next_, this, done);
    return;
  }
  hub::SearchQuery q;
  q.text = query_.trimmed().isEmpty() ? QString::fromLatin1(kDefaultSearch) : query_.trimmed();
  q.sort = sortAt(sortIndex_);
  q.limit = kPageSize;
  client_->search(q, this, done);
}

void ModelsController::onSearchPage(const hub::SearchPage& page, const hub::HubError& error) {
  searching_ = false;
  if (error) {
    searchError_ = error.kind == hub::HubErrorKind::Offline
                       ? tr("Offline (HF_HUB_OFFLINE is set): the Hub is not searched. The "
                            "models already in the cache are under Installed.")
                       : tr("The search failed: %1").arg(error.message);
  } else {
    QSet<QString> seen;  // a next page may repeat an entry
    for (const hub::ModelSummary& m : std::as_const(summaries_)) seen.insert(m.id);
    for (const hub::ModelSummary& m : page.models)
      if (!seen.contains(m.id)) {
        seen.insert(m.id);
        summaries_ << m;
      }
    next_ = page.next;
  }
  rebuildResults();
  fetchDetails();
  emit searchChanged();
}

void ModelsController::fetchDetails() {
  if (offline()) return;
  const QList<HubSearchRow>& rows = results_->rows();
  for (int i = 0; i < rows.size() && i < kDetailRows; ++i)
    if (rows[i].summary.compatible) details_->fetch(rows[i].summary.id);
  rebuildResults();
}

void ModelsController::onDetails(const QString& repoId) {
  if (repoId == filesRepo_) {
    const RepoDetails* d = details_->details(repoId);
    filesLoading_ = false;
    filesError_ = d ? d->error : QString();
    files_->setFiles(d ? d->files : QList<hub::RepoFile>());
    emit filesChanged();
  }
  rebuildResults();
}

void ModelsController::rebuildResults() {
  QList<HubSearchRow> rows;
  const QString curatedId = QString::fromLatin1(kCuratedRepoId);
  for (const hub::ModelSummary& m : withCuratedFirst(query_, summaries_)) {
    HubSearchRow r;
    r.summary = m;
    r.curated = m.id == curatedId;
    r.needsToken = m.isGated() && !hasToken();
    r.installed = installed_->completeRepos().contains(m.id);
    r.downloadStatus = downloads_->statusOfRepo(m.id);
    r.detailsPending = details_->isPending(m.id);
    hub::MemoryEstimate estimate;
    if (const RepoDetails* d = details_->details(m.id); d && d->error.isEmpty()) {
      r.sizeBytes = d->totalBytes;
      estimate = d->estimate;
    }
    if (!estimate.valid && r.curated) estimate = hub::estimateMemory(curatedConfig(), 0, 0, 0);
    if (estimate.valid) r.fit = assessMemoryFit(estimate, machine_);
    rows << r;
  }
  results_->setRows(rows);
}

void ModelsController::showFiles(const QString& repoId) {
  filesRepo_ = repoId;
  filesError_.clear();
  const RepoDetails* d = details_->details(repoId);
  if (d && d->error.isEmpty()) {
    filesLoading_ = false;
    files_->setFiles(d->files);
  } else if (offline()) {
    filesLoading_ = false;
    filesError_ = tr("Offline (HF_HUB_OFFLINE is set): the Hub is not asked for the files.");
    files_->setFiles({});
  } else {
    filesLoading_ = true;
    files_->setFiles({});
    details_->fetch(repoId);
  }
  emit filesChanged();
}

QString ModelsController::download(const QString& repoId) {
  const QString id = repoId.trimmed();
  if (id.isEmpty()) return {};
  if (offline()) {
    setMessage(tr("Offline (HF_HUB_OFFLINE is set): %1 cannot be downloaded.").arg(id));
    return {};
  }
  for (const hub::ModelSummary& m : std::as_const(summaries_))
    if (m.id == id && !m.compatible) {
      setMessage(tr("%1 cannot be used by Coil: %2").arg(id, m.incompatibleReason));
      return {};
    }
  const QString status = downloads_->statusOfRepo(id);
  if (status == QLatin1String("queued") || status == QLatin1String("downloading"))
    return downloads_->idOfRepo(id);
  if (status == QLatin1String("paused") || status == QLatin1String("failed")) {
    const QString existing = downloads_->idOfRepo(id);
    queue_->resume(existing);
    return existing;
  }
  if (parts_.banners) parts_.banners->dismiss(QStringLiteral("download-failed"));
  return queue_->enqueue(id);
}

void ModelsController::onDownloadFinished(const QString& id, const QString& path) {
  const auto entry = queue_->entry(id);
  const QString repoId = entry ? entry->repoId : QString();
  details_->forget(repoId);
  installed_->refresh();  // and the results, through changed()
  if (parts_.banners)
    parts_.banners->show({QStringLiteral("download-finished"), QStringLiteral("info"),
                          tr("%1 is downloaded").arg(repoId), path,
                          tr("Open Models, Installed, and choose “Use in new chat”.")});
  emit downloadFinished(repoId, path);
}

void ModelsController::onDownloadFailed(const QString& id, const QString& message) {
  const auto entry = queue_->entry(id);
  const QString repoId = entry ? entry->repoId : id;
  setMessage(tr("The download of %1 failed: %2").arg(repoId, message));
  if (parts_.banners)
    parts_.banners->show({QStringLiteral("download-failed"), QStringLiteral("error"),
                          tr("The download of %1 failed").arg(repoId), message,
                          tr("Resume it on the Models page (Downloads) once the cause is "
                             "fixed; what was downloaded is kept.")});
  installed_->refresh();  // and the results, through changed()
}

void ModelsController::onTokenChanged() {
  client_->setToken(parts_.settings->hfToken());
  details_->clear();  // gated repos' configs may be readable now
  rebuildResults();
  fetchDetails();
}

void ModelsController::setMessage(const QString& message) {
  if (message == message_) return;
  message_ = message;
  emit messageChanged();
}

void ModelsController::dismissMessage() {
  setMessage({});
}

void ModelsController::setDeviceLists(const QVariantMap&, const QVariantList& gpus) {
  machine_ = machineMemory(gpus);
  emit machineChanged();
  installed_->setMachine(machine_);  // and the results, through changed()
}

}  // namespace coil::app
