#include "models_controller.hpp"

#include <algorithm>

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
#include "model_downloads.hpp"
#include "repo_cache.hpp"
#include "repo_details_fetcher.hpp"
#include "repo_files_controller.hpp"
#include "resource_estimate.hpp"
#include "search_results.hpp"

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
  machine_ = machineMemory(QVariantList{});
  downloads_ = new ModelDownloads(client_, parts.dataDir, parts.banners, this);
  details_ = new RepoDetailsFetcher(client_, this);
  results_ = new HubSearchModel(this);
  repoFiles_ =
      new RepoFilesController({details_, cacheDir(), offline(), [this] { return machine_; },
                               [this](const QString& repoId, const QString& file) {
                                 return downloads_->enqueue(repoId, file);
                               }},
                              this);
  connect(repoFiles_, &RepoFilesController::messageRaised, this, &ModelsController::setMessage);
  installed_ =
      new InstalledModelsController({cacheDir(), parts_.model, parts_.chat, downloads_->list(),
                                     downloads_->queue(), details_, parts_.settings},
                                    this);

  queryTimer_.setSingleShot(true);
  queryTimer_.setInterval(400);
  connect(&queryTimer_, &QTimer::timeout, this, [this] { search(query_); });
  connect(details_, &RepoDetailsFetcher::fetched, this, &ModelsController::onDetails);
  connect(downloads_, &ModelDownloads::finished, this, &ModelsController::onDownloadFinished);
  connect(downloads_, &ModelDownloads::failed, this, [this] {
    installed_->refresh();  // and the results, through changed()
  });
  connect(downloads_, &ModelDownloads::messageRaised, this, &ModelsController::setMessage);
  connect(downloads_, &ModelDownloads::changed, this, [this] { rebuildResults(); });
  // The Installed list (and its count) follows the cache as downloads start, end or are
  // cancelled (a cancel deletes the partial files after the entry is gone).
  for (auto signal : {&hub::DownloadQueue::entryAdded, &hub::DownloadQueue::entryChanged})
    connect(downloads_->queue(), signal, installed_, &InstalledModelsController::refresh);
  connect(downloads_->list(), &DownloadListModel::cacheChanged, installed_,
          &InstalledModelsController::refresh);
  connect(installed_, &InstalledModelsController::changed, this, [this] { rebuildResults(); });
  connect(installed_, &InstalledModelsController::messageRaised, this,
          &ModelsController::setMessage);
  if (parts_.settings) {
    connect(parts_.settings, &AppSettings::hfTokenChanged, this, &ModelsController::onTokenChanged);
    // a safetensors model's badge counts the weights as they will be held
    connect(parts_.settings, &AppSettings::weightsChanged, this, &ModelsController::rebuildResults);
  }
  rebuildResults();     // the curated entry, before any search
  downloads_->start();  // unfinished downloads of the last session continue
}

ModelsController::~ModelsController() {
  // The running download stops first (its partial file stays for the next start).
  delete downloads_;
  downloads_ = nullptr;
}

DownloadListModel* ModelsController::downloads() const {
  return downloads_->list();
}

hub::DownloadQueue* ModelsController::queue() const {
  return downloads_->queue();
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
  ggufOnly_ = false;
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

void ModelsController::searchGguf(const QString& repoId) {
  const QString name = repoId.section(QLatin1Char('/'), -1).trimmed();
  if (name.isEmpty()) return;
  queryTimer_.stop();
  query_ = name;
  ggufOnly_ = true;
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
  if (ggufOnly_) q.filters << QStringLiteral("gguf");
  client_->search(q, this, done);
}

void ModelsController::onSearchPage(const hub::SearchPage& page, const hub::HubError& error) {
  searching_ = false;
  if (error) {
    searchError_ = error.kind == hub::HubErrorKind::Offline
                       ? tr("Offline (HF_HUB_OFFLINE is set): the Hub is not searched. The "
                            "models already in the cache are under Installed.")
                   : error.unreachable ? tr("Offline: %1").arg(error.message)
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
  bool curated = false;
  for (int i = 0; i < rows.size() && i < kDetailRows; ++i) {
    const hub::ModelSummary& m = rows[i].summary;
    if (m.compatible || m.ggufPending) details_->fetch(m.id);
    curated = curated || rows[i].curated;
  }
  if (curated)  // the sizes of the curated model's GGUF files
    for (const CuratedVariant& v : curatedVariants())
      if (v.gguf) details_->fetch(v.repoId);
  rebuildResults();
}

void ModelsController::onDetails(const QString& repoId) {
  Q_UNUSED(repoId);  // the files dialog listens to the fetcher itself
  rebuildResults();
}

bool ModelsController::inCache(const QString& repoId, const QString& include) const {
  if (include.isEmpty()) return installed_->completeRepos().contains(repoId);
  const hub::RepoCache cache(cacheDir(), repoId);
  const auto commit = cache.resolveRevision(QStringLiteral("main"));
  return commit && cache.looksComplete(*commit, {include});
}

QString ModelsController::weights() const {
  return parts_.settings ? parts_.settings->weights() : QStringLiteral("stored");
}

QList<HubSearchChoice> ModelsController::curatedChoices() const {
  const QJsonObject config = curatedConfig();
  QList<HubSearchChoice> out;
  for (const CuratedVariant& v : curatedVariants()) {
    HubSearchChoice c;
    c.quant = v.quant;
    c.repoId = v.repoId;
    c.include = v.include;
    c.sizeBytes = v.sizeBytes;
    // a GGUF repo's file list gives its real size (the BF16 size comes from the config)
    if (const RepoDetails* d = details_->details(v.repoId); v.gguf && d && d->error.isEmpty()) {
      qint64 bytes = 0;
      for (const hub::RepoFile& f : d->files)
        if (f.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) bytes += f.size;
      if (bytes > 0) c.sizeBytes = bytes;
    }
    c.fit = assessMemoryFit(v.gguf ? hub::estimateStoredMemory(c.sizeBytes, config, 0)
                                   : hub::estimateMemoryAs(config, c.sizeBytes, weights(), 0),
                            machine_);
    c.installed = inCache(c.repoId, c.include);
    c.downloadStatus = downloads_->statusOf(c.repoId);
    // The names of TII's quant repos are Coil's knowledge, not the Hub's: one that is not
    // there (renamed, removed) is said so, never offered as a download that cannot work.
    if (const RepoDetails* d = details_->details(v.repoId); d && d->missing && !c.installed) {
      c.unavailable = tr("The %1 download, %2, is not on the Hugging Face Hub. Search the "
                         "Hub for GGUF files of %3 instead.")
                          .arg(v.quant, v.repoId, QString::fromLatin1(kCuratedRepoId));
      c.fit = MemoryFit{};
      c.fit.label = tr("Not on the Hub");
      c.fit.tone = QStringLiteral("bad");
      c.fit.tip = c.unavailable;
    }
    out << c;
  }
  return out;
}

QList<HubSearchChoice> ModelsController::ggufChoices(const QString& repoId) const {
  QList<HubSearchChoice> out;
  const RepoDetails* d = details_->details(repoId);
  if (!d || !d->gguf || !d->error.isEmpty()) return out;
  for (const hub::RepoFile& f : d->files) {
    if (!f.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) continue;
    HubSearchChoice c;
    c.quant = hub::ggufQuantOfFileName(f.path);
    if (c.quant.isEmpty()) c.quant = f.path.section(QLatin1Char('/'), -1);
    c.repoId = repoId;
    c.include = f.path;
    c.sizeBytes = f.size;
    c.fit = assessMemoryFit(hub::estimateStoredMemory(f.size, d->config, 0), machine_);
    c.installed = inCache(repoId, f.path);
    c.downloadStatus = downloads_->statusOf(repoId, f.path);
    out << c;
  }
  // most precise (largest) first
  std::stable_sort(out.begin(), out.end(), [](const HubSearchChoice& a, const HubSearchChoice& b) {
    return a.sizeBytes > b.sizeBytes;
  });
  return out;
}

void ModelsController::applyDetails(HubSearchRow& r) const {
  const RepoDetails* d = details_->details(r.summary.id);
  if (d && d->gguf) {
    r.summary.ggufArchitecture = d->ggufArchitecture;
    r.summary.ggufError = d->error.isEmpty() ? d->ggufError : d->error;
    hub::classifyCompatibility(r.summary);
  }
  if (r.curated) {
    r.choices = curatedChoices();
  } else if (r.summary.compatible && r.summary.ggufOnly) {
    r.choices = ggufChoices(r.summary.id);
  }
  // the choice offered first: the best fit of those that can be downloaded
  QList<MemoryFit> fits;
  QList<int> indices;
  for (int i = 0; i < r.choices.size(); ++i)
    if (r.choices[i].unavailable.isEmpty()) {
      fits << r.choices[i].fit;
      indices << i;
    }
  const int best = bestFitIndex(fits);
  r.defaultChoice = best >= 0 ? indices[best] : r.choices.isEmpty() ? -1 : 0;
}

void ModelsController::rebuildResults() {
  QList<HubSearchRow> rows;
  const QString curatedId = QString::fromLatin1(kCuratedRepoId);
  // a GGUF search lists what the Hub found (the curated entry is a safetensors repo)
  for (const hub::ModelSummary& m : ggufOnly_ ? summaries_ : withCuratedFirst(query_, summaries_)) {
    HubSearchRow r;
    r.summary = m;
    r.curated = m.id == curatedId;
    r.needsToken = m.isGated() && !hasToken();
    r.installed = installed_->completeRepos().contains(m.id);
    r.downloadStatus = downloads_->statusOf(m.id);
    r.detailsPending = details_->isPending(m.id);
    hub::MemoryEstimate estimate;
    if (const RepoDetails* d = details_->details(m.id); d && d->error.isEmpty()) {
      r.sizeBytes = d->totalBytes;
      // a safetensors repo is held as Settings > Weights says (quantized at load or not)
      estimate =
          d->gguf ? d->estimate : hub::estimateMemoryAs(d->config, d->weightBytes, weights(), 0);
    }
    if (!estimate.valid && r.curated)
      estimate = hub::estimateMemoryAs(curatedConfig(), 0, weights(), 0);
    if (estimate.valid) r.fit = assessMemoryFit(estimate, machine_);
    applyDetails(r);
    if (r.defaultChoice >= 0) {  // the badge and state of the choice offered first
      const HubSearchChoice& c = r.choices[r.defaultChoice];
      r.fit = c.fit;
      if (!r.curated)
        r.installed = std::any_of(r.choices.begin(), r.choices.end(),
                                  [](const HubSearchChoice& x) { return x.installed; });
    }
    rows << r;
  }
  results_->setRows(rows);
}

QString ModelsController::download(const QString& repoId) {
  const QString id = repoId.trimmed();
  if (id.isEmpty()) return {};
  if (const int row = results_->rowOf(id); row >= 0) {
    const HubSearchRow& r = results_->rows()[row];
    if (!r.summary.compatible) {
      setMessage(tr("%1 cannot be used by Coil: %2").arg(id, r.summary.incompatibleReason));
      return {};
    }
    if (r.defaultChoice >= 0) return downloadChoice(id, r.defaultChoice);
  }
  return downloads_->enqueue(id, {});
}

QString ModelsController::downloadChoice(const QString& repoId, int index) {
  const int row = results_->rowOf(repoId);
  if (row < 0) return {};
  const HubSearchRow& r = results_->rows()[row];
  if (index < 0 || index >= r.choices.size()) return {};
  const HubSearchChoice c = r.choices[index];
  if (!c.unavailable.isEmpty()) {
    setMessage(c.unavailable);
    return {};
  }
  return downloads_->enqueue(c.repoId, c.include);
}

void ModelsController::onDownloadFinished(const QString& repoId, const QString& path) {
  // a safetensors repo's config is read from the cache now; a GGUF repo's file list stays
  // (its other quants can be downloaded from the files dialog still open)
  if (const RepoDetails* d = details_->details(repoId); !d || !d->gguf) details_->forget(repoId);
  installed_->refresh();  // and the results, through changed()
  emit downloadFinished(repoId, path);
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
  setMachine(machineMemory(gpus));
}

void ModelsController::setMachine(const MachineMemory& machine) {
  machine_ = machine;
  emit machineChanged();
  installed_->setMachine(machine_);  // and the results, through changed()
  repoFiles_->refresh();
  rebuildResults();
}

}  // namespace coil::app
