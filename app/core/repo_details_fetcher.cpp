#include "repo_details_fetcher.hpp"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QPointer>

#include "http_util.hpp"
#include "hub_client.hpp"
#include "json_document.hpp"
#include "repo_cache.hpp"

namespace coil::app {

RepoDetailsFetcher::RepoDetailsFetcher(hub::HubClient* client, QObject* parent)
    : QObject(parent), client_(client) {}

const RepoDetails* RepoDetailsFetcher::details(const QString& repoId) const {
  const auto it = done_.constFind(repoId);
  return it == done_.cend() ? nullptr : &it.value();
}

void RepoDetailsFetcher::forget(const QString& repoId) {
  done_.remove(repoId);
}

void RepoDetailsFetcher::clear() {
  done_.clear();
}

void RepoDetailsFetcher::fetch(const QString& repoId) {
  if (pending_.contains(repoId)) return;
  if (const RepoDetails* d = details(repoId); d && d->error.isEmpty()) return;
  pending_.insert(repoId);
  client_->repoTree(repoId, QStringLiteral("main"), this,
                    [this, repoId](const QList<hub::RepoFile>& files, const hub::HubError& e) {
                      onTree(repoId, files, e ? e.message : QString());
                    });
}

void RepoDetailsFetcher::onTree(const QString& repoId, const QList<hub::RepoFile>& files,
                                const QString& error) {
  RepoDetails d;
  d.repoId = repoId;
  d.error = error;
  d.files = files;
  bool hasConfig = false;
  for (const hub::RepoFile& f : files) {
    d.totalBytes += f.size;
    if (f.path.endsWith(QLatin1String(".safetensors"))) d.weightBytes += f.size;
    hasConfig = hasConfig || f.path == QLatin1String("config.json");
  }
  if (!error.isEmpty() || !hasConfig || readCachedConfig(d)) return finish(d);
  fetchConfig(d);
}

bool RepoDetailsFetcher::readCachedConfig(RepoDetails& d) const {
  const hub::RepoCache cache(client_->settings().cacheDir, d.repoId);
  const auto commit = cache.resolveRevision(QStringLiteral("main"));
  if (!commit) return false;
  d.config = hub::readSmallJson(cache.snapshotFile(*commit, QStringLiteral("config.json")));
  return !d.config.isEmpty();
}

void RepoDetailsFetcher::fetchConfig(RepoDetails d) {
  const hub::HubSettings& s = client_->settings();
  const QUrl url =
      client_->resolveUrl(d.repoId, QStringLiteral("main"), QStringLiteral("config.json"));
  QNetworkReply* reply = client_->network()->get(hub::makeRequest(url, s, true));
  QPointer<RepoDetailsFetcher> self(this);
  connect(reply, &QNetworkReply::finished, this, [self, reply, d]() mutable {
    reply->deleteLater();
    if (!self) return;
    // A gated repo without a token (401/403) or any other failure: no config, the estimate
    // falls back to the weights' size.
    if (reply->error() == QNetworkReply::NoError && hub::httpStatus(reply) == 200)
      if (const auto doc = parseJsonDocument(reply->read(qint64(limits::kJsonFileBytes)),
                                             reply->url().toString()))
        d.config = doc->object();
    self->finish(d);
  });
}

void RepoDetailsFetcher::finish(RepoDetails d) {
  if (d.error.isEmpty())
    d.estimate = hub::estimateMemory(d.config, d.weightBytes, 0, /*ramBytes=*/0);
  pending_.remove(d.repoId);
  const QString id = d.repoId;
  done_.insert(id, d);
  emit fetched(id);
}

}  // namespace coil::app
