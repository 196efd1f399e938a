// The Hub's JSON API: search, repo details and file trees. Asynchronous: each call takes a
// context object (the callback is dropped if it is destroyed first) and a callback that gets
// the value or an error. Retries connection errors, 408, 429 and 5xx with backoff.
#pragma once
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <functional>

#include "hub_error.hpp"
#include "hub_settings.hpp"
#include "hub_types.hpp"

class QJsonDocument;

namespace coil::hub {

class HubClient : public QObject {
  Q_OBJECT
 public:
  template <class T>
  using Callback = std::function<void(const T& value, const HubError& error)>;

  // Turns on the system proxy configuration (process-wide; localhost is never proxied).
  explicit HubClient(HubSettings settings, QObject* parent = nullptr);

  const HubSettings& settings() const { return settings_; }
  void setToken(const QString& token) { settings_.token = token; }
  QNetworkAccessManager* network() { return &nam_; }

  // GET /api/models?search=..&sort=..&direction=-1&limit=..&full=true&config=true[&filter=..]
  void search(const SearchQuery& query, QObject* context, Callback<SearchPage> done);
  // The page a previous SearchPage::next points to.
  void searchPage(const QUrl& url, QObject* context, Callback<SearchPage> done);
  // GET /api/models/{id} (revision empty or "main") or /api/models/{id}/revision/{rev}.
  void repoInfo(const QString& repoId, const QString& revision, QObject* context,
                Callback<RepoInfo> done);
  // GET /api/models/{id}/tree/{rev}?recursive=true, following Link pages; files only.
  void repoTree(const QString& repoId, const QString& revision, QObject* context,
                Callback<QList<RepoFile>> done);

  // Blocking variants (a nested event loop), for the CLI and tests.
  SearchPage searchSync(const SearchQuery& query, HubError* error);
  SearchPage searchPageSync(const QUrl& url, HubError* error);
  RepoInfo repoInfoSync(const QString& repoId, const QString& revision, HubError* error);
  QList<RepoFile> repoTreeSync(const QString& repoId, const QString& revision, HubError* error);

  static QUrl searchUrl(const QString& endpoint, const SearchQuery& query);
  // {endpoint}/{id}/resolve/{rev}/{file}
  QUrl resolveUrl(const QString& repoId, const QString& revision, const QString& file) const;

 private:
  using JsonCallback = std::function<void(const QJsonDocument& doc, const QByteArray& linkHeader,
                                          const QUrl& url, const HubError& error)>;
  void getJson(const QUrl& url, const RequestTarget& target, int attempt, QPointer<QObject> context,
               JsonCallback done);
  void fetchTreePage(const QUrl& url, const RequestTarget& target,
                     std::shared_ptr<QList<RepoFile>> files, QPointer<QObject> context,
                     Callback<QList<RepoFile>> done);
  RequestTarget target(const QString& repoId, const QString& revision) const;

  HubSettings settings_;
  QNetworkAccessManager nam_;
};

}  // namespace coil::hub
