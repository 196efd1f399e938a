#include "repo_details_fetcher.hpp"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QPointer>

#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "http_util.hpp"
#include "hub_client.hpp"
#include "hub_error.hpp"
#include "json_document.hpp"
#include "repo_cache.hpp"

namespace coil::app {

namespace {
constexpr qint64 kGgufProbeBytes = 256 * 1024;  // general.architecture comes first in practice
}  // namespace

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
                      onTree(repoId, files,
                             !e              ? QString()
                             : e.unreachable ? tr("Offline: %1").arg(e.message)
                                             : e.message,
                             e.kind == hub::HubErrorKind::RepoNotFound);
                    });
}

void RepoDetailsFetcher::onTree(const QString& repoId, const QList<hub::RepoFile>& files,
                                const QString& error, bool missing) {
  RepoDetails d;
  d.repoId = repoId;
  d.error = error;
  d.missing = missing;
  d.files = files;
  bool hasConfig = false, hasSafetensors = false;
  for (const hub::RepoFile& f : files) {
    d.totalBytes += f.size;
    if (f.path.endsWith(QLatin1String(".safetensors"))) {
      d.weightBytes += f.size;
      hasSafetensors = true;
    }
    if (f.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive) && d.ggufProbed.isEmpty())
      d.ggufProbed = f.path;
    hasConfig = hasConfig || f.path == QLatin1String("config.json");
  }
  d.gguf = !hasSafetensors && !d.ggufProbed.isEmpty();
  if (!d.gguf) d.ggufProbed.clear();
  if (!error.isEmpty() || !hasConfig || readCachedConfig(d)) return probeGguf(d);
  fetchConfig(d);
}

void RepoDetailsFetcher::probeGguf(RepoDetails d) {
  if (!d.error.isEmpty() || !d.gguf) return finish(d);
  QPointer<RepoDetailsFetcher> self(this);
  client_->fetchPrefix(
      d.repoId, QStringLiteral("main"), d.ggufProbed, kGgufProbeBytes, this,
      [self, d](const QByteArray& bytes, const hub::HubError& e) mutable {
        if (!self) return;
        if (e) {
          d.ggufError = e.message;
        } else {
          try {
            const GgufHeaderProbe probe =
                probe_gguf_header(reinterpret_cast<const uint8_t*>(bytes.constData()),
                                  size_t(bytes.size()), d.ggufProbed.toStdString());
            d.ggufArchitecture = QString::fromStdString(probe.architecture);
            if (d.ggufArchitecture.isEmpty())
              d.ggufError = QStringLiteral("%1 names no general.architecture in its first %2 KiB")
                                .arg(d.ggufProbed)
                                .arg(kGgufProbeBytes / 1024);
          } catch (const Error& err) {
            d.ggufError = QString::fromStdString(err.what());
          }
        }
        self->finish(d);
      });
}

bool RepoDetailsFetcher::readCachedConfig(RepoDetails& d) const {
  const hub::RepoCache cache(client_->settings().cacheDir, d.repoId);
  const auto commit = cache.resolveRevision(QStringLiteral("main"));
  if (!commit) return false;
  d.config = readJsonObjectFile(cache.snapshotFile(*commit, QStringLiteral("config.json")),
                                kSmallJsonFileBytes);
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
    self->probeGguf(d);
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
