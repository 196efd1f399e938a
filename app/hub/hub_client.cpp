#include "hub_client.hpp"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxyFactory>
#include <QNetworkReply>
#include <QTimer>
#include <algorithm>

#include "http_util.hpp"
#include "json_document.hpp"
#include "repo_tree.hpp"
#include "search_results.hpp"

namespace coil::hub {

namespace {

QString sortKey(SearchSort sort) {
  switch (sort) {
    case SearchSort::Likes:
      return QStringLiteral("likes");
    case SearchSort::LastModified:
      return QStringLiteral("lastModified");
    case SearchSort::Downloads:
      break;
  }
  return QStringLiteral("downloads");
}

template <class T, class Start>
T runSync(HubError* error, Start&& start) {
  QEventLoop loop;
  T value{};
  HubError err;
  bool done = false;
  start([&](const T& v, const HubError& e) {
    value = v;
    err = e;
    done = true;
    loop.quit();
  });
  if (!done) loop.exec();
  if (error) *error = err;
  return value;
}

}  // namespace

HubClient::HubClient(HubSettings settings, QObject* parent)
    : QObject(parent), settings_(std::move(settings)) {
  QNetworkProxyFactory::setUseSystemConfiguration(true);
  nam_.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

RequestTarget HubClient::target(const QString& repoId, const QString& revision) const {
  return RequestTarget{settings_.endpoint, repoId, revision, QString(), !settings_.token.isEmpty()};
}

QUrl HubClient::searchUrl(const QString& endpoint, const SearchQuery& q) {
  QUrlQuery query;
  if (!q.text.isEmpty()) query.addQueryItem(QStringLiteral("search"), q.text);
  if (!q.author.isEmpty()) query.addQueryItem(QStringLiteral("author"), q.author);
  for (const QString& f : q.filters) query.addQueryItem(QStringLiteral("filter"), f);
  query.addQueryItem(QStringLiteral("sort"), sortKey(q.sort));
  query.addQueryItem(QStringLiteral("direction"), QStringLiteral("-1"));
  query.addQueryItem(QStringLiteral("limit"), QString::number(q.limit > 0 ? q.limit : 20));
  query.addQueryItem(QStringLiteral("full"), QStringLiteral("true"));
  query.addQueryItem(QStringLiteral("config"), QStringLiteral("true"));
  return hubUrl(endpoint, "/api/models", query);
}

QUrl HubClient::resolveUrl(const QString& repoId, const QString& revision,
                           const QString& file) const {
  return hubUrl(settings_.endpoint, "/" + encodeFilePath(repoId) + "/resolve/" +
                                        encodeSegment(revision) + "/" + encodeFilePath(file));
}

void HubClient::fetchPrefix(const QString& repoId, const QString& revision, const QString& file,
                            qint64 bytes, QObject* context, Callback<QByteArray> done) {
  RequestTarget t = target(repoId, revision);
  t.file = file;
  getPrefix(resolveUrl(repoId, revision, file), t, bytes, 0, context, std::move(done));
}

void HubClient::getPrefix(const QUrl& url, const RequestTarget& target, qint64 bytes, int redirects,
                          QPointer<QObject> context, Callback<QByteArray> done) {
  if (settings_.offline) {
    QTimer::singleShot(0, this, [context, done] {
      if (context)
        done({},
             HubError::make(HubErrorKind::Offline,
                            QStringLiteral("HF_HUB_OFFLINE is set: the Hub is not contacted.")));
    });
    return;
  }
  QNetworkRequest request = makeRequest(url, settings_, true);
  request.setRawHeader("Range", "bytes=0-" + QByteArray::number(bytes - 1));
  QNetworkReply* reply = nam_.get(request);
  auto body = std::make_shared<QByteArray>();
  // a server that ignores the Range sends the whole file: stop once the prefix is here
  connect(reply, &QNetworkReply::readyRead, this, [reply, body, bytes] {
    body->append(reply->read(bytes - body->size()));
    if (body->size() >= bytes) reply->abort();
  });
  connect(reply, &QNetworkReply::finished, this, [=, this] {
    reply->deleteLater();
    if (!context) return;
    if (reply->isOpen() && body->size() < bytes) body->append(reply->read(bytes - body->size()));
    const int status = httpStatus(reply);
    if (status >= 300 && status < 400 && redirects < 5) {
      const QUrl next = url.resolved(QUrl(QString::fromUtf8(reply->rawHeader("Location"))));
      getPrefix(next, target, bytes, redirects + 1, context, done);
      return;
    }
    if (body->size() >= bytes || status == 200 || status == 206) {
      done(body->left(bytes), {});
      return;
    }
    HubError err = errorFromReply(reply, target);
    if (!err)
      err = HubError::make(
          HubErrorKind::InvalidResponse,
          QStringLiteral("Unexpected HTTP %1 from %2").arg(status).arg(url.toString()), status);
    done({}, err);
  });
}

void HubClient::getJson(const QUrl& url, const RequestTarget& target, int attempt,
                        QPointer<QObject> context, JsonCallback done) {
  if (settings_.offline) {
    QTimer::singleShot(0, this, [context, done, url] {
      if (context)
        done({}, {}, url,
             HubError::make(HubErrorKind::Offline,
                            QStringLiteral("HF_HUB_OFFLINE is set: the Hub is not contacted.")));
    });
    return;
  }
  QNetworkRequest request = makeRequest(url, settings_, true);
  if (settings_.apiTimeoutMs > 0) request.setTransferTimeout(settings_.apiTimeoutMs);
  QNetworkReply* reply = nam_.get(request);
  connect(reply, &QNetworkReply::finished, this, [=, this] {
    reply->deleteLater();
    if (!context) return;
    HubError err = errorFromReply(reply, target);
    const int status = httpStatus(reply);
    if (!err && (status < 200 || status >= 300))
      err = HubError::make(
          HubErrorKind::InvalidResponse,
          QStringLiteral("Unexpected HTTP %1 from %2").arg(status).arg(url.toString()), status);
    // an unreachable host fails at once: offline, retrying only makes the page wait; so
    // does a host that took the connection and never answered (no status line within
    // apiTimeoutMs: a dead proxy or a captive network), where each retry waits as long again
    const bool silent = err.kind == HubErrorKind::Timeout && status == 0;
    if (err && err.isRetryable() && !err.unreachable && !silent && attempt < settings_.maxRetries) {
      const int delay = backoffDelayMs(attempt, settings_, reply->rawHeader("Retry-After"));
      QTimer::singleShot(delay, this,
                         [=, this] { getJson(url, target, attempt + 1, context, done); });
      return;
    }
    if (err) {
      done({}, {}, url, err);
      return;
    }
    QString perr;
    const auto doc = parseJsonDocument(reply->readAll(), url.toString(), &perr);
    if (!doc) {
      done({}, {}, url,
           HubError::make(HubErrorKind::InvalidResponse,
                          QStringLiteral("The Hub sent invalid JSON: %1").arg(perr)));
      return;
    }
    done(*doc, reply->rawHeader("Link"), url, {});
  });
}

void HubClient::search(const SearchQuery& query, QObject* context, Callback<SearchPage> done) {
  searchPage(searchUrl(settings_.endpoint, query), context, std::move(done));
}

void HubClient::searchPage(const QUrl& url, QObject* context, Callback<SearchPage> done) {
  RequestTarget t = target(QString(), QString());  // no repository: what() says "the model search"
  getJson(
      url, t, 0, context,
      [done](const QJsonDocument& doc, const QByteArray& link, const QUrl& url, const HubError& e) {
        SearchPage page;
        if (e) return done(page, e);
        if (!doc.isArray())
          return done(page,
                      HubError::make(HubErrorKind::InvalidResponse,
                                     QStringLiteral("The Hub's search answer is not a list")));
        page.models = parseSearchResults(doc.array());
        page.next = nextLinkUrl(link, url);
        done(page, {});
      });
}

void HubClient::repoInfo(const QString& repoId, const QString& revision, QObject* context,
                         Callback<RepoInfo> done) {
  QByteArray path = "/api/models/" + encodeFilePath(repoId);
  if (!revision.isEmpty() && revision != QLatin1String("main"))
    path += "/revision/" + encodeSegment(revision);
  getJson(
      hubUrl(settings_.endpoint, path), target(repoId, revision), 0, context,
      [done, repoId](const QJsonDocument& doc, const QByteArray&, const QUrl&, const HubError& e) {
        if (e) return done({}, e);
        RepoInfo info = parseRepoInfo(doc.object());
        if (!doc.isObject() || info.sha.isEmpty())
          return done(info, HubError::make(HubErrorKind::InvalidResponse,
                                           QStringLiteral("The Hub's details of '%1' have no "
                                                          "commit sha")
                                               .arg(repoId)));
        done(info, {});
      });
}

void HubClient::repoTree(const QString& repoId, const QString& revision, QObject* context,
                         Callback<QList<RepoFile>> done) {
  const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
  QUrlQuery query;
  query.addQueryItem(QStringLiteral("recursive"), QStringLiteral("true"));
  const QUrl url =
      hubUrl(settings_.endpoint,
             "/api/models/" + encodeFilePath(repoId) + "/tree/" + encodeSegment(rev), query);
  fetchTreePage(url, target(repoId, rev), std::make_shared<QList<RepoFile>>(), context,
                std::move(done));
}

void HubClient::fetchTreePage(const QUrl& url, const RequestTarget& t,
                              std::shared_ptr<QList<RepoFile>> files, QPointer<QObject> context,
                              Callback<QList<RepoFile>> done) {
  getJson(url, t, 0, context,
          [=, this](const QJsonDocument& doc, const QByteArray& link, const QUrl& url,
                    const HubError& e) {
            if (e) return done({}, e);
            QString perr;
            if (!doc.isArray() || !parseTree(doc.array(), *files, &perr))
              return done(
                  {}, HubError::make(HubErrorKind::InvalidResponse,
                                     QStringLiteral("The Hub's file list of '%1' is invalid%2")
                                         .arg(t.repoId, perr.isEmpty() ? QString() : ": " + perr)));
            const QUrl next = nextLinkUrl(link, url);
            if (next.isValid() && !next.isEmpty() && next != url)
              return fetchTreePage(next, t, files, context, done);
            done(*files, {});
          });
}

SearchPage HubClient::searchSync(const SearchQuery& query, HubError* error) {
  return runSync<SearchPage>(error, [&](auto cb) { search(query, this, cb); });
}

SearchPage HubClient::searchPageSync(const QUrl& url, HubError* error) {
  return runSync<SearchPage>(error, [&](auto cb) { searchPage(url, this, cb); });
}

RepoInfo HubClient::repoInfoSync(const QString& repoId, const QString& revision, HubError* error) {
  return runSync<RepoInfo>(error, [&](auto cb) { repoInfo(repoId, revision, this, cb); });
}

QList<RepoFile> HubClient::repoTreeSync(const QString& repoId, const QString& revision,
                                        HubError* error) {
  return runSync<QList<RepoFile>>(error, [&](auto cb) { repoTree(repoId, revision, this, cb); });
}

}  // namespace coil::hub
