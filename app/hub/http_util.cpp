#include "http_util.hpp"

#include <QNetworkReply>
#include <QRegularExpression>
#include <algorithm>

#include "hub_settings.hpp"

namespace coil::hub {

QUrl hubUrl(const QString& endpoint, const QByteArray& encodedPath, const QUrlQuery& query) {
  QUrl url = QUrl::fromEncoded(endpoint.toUtf8() + encodedPath, QUrl::TolerantMode);
  if (!query.isEmpty()) url.setQuery(query);
  return url;
}

QByteArray encodeSegment(const QString& segment) {
  return QUrl::toPercentEncoding(segment);
}

QByteArray encodeFilePath(const QString& path) {
  return QUrl::toPercentEncoding(path, "/");
}

QUrl nextLinkUrl(const QByteArray& linkHeader, const QUrl& base) {
  // Link: <https://huggingface.co/api/models?cursor=abc>; rel="next", <...>; rel="prev"
  static const QRegularExpression entry(QStringLiteral("<([^>]*)>((?:\\s*;\\s*[^;,]+)*)"));
  static const QRegularExpression relNext(QStringLiteral("rel\\s*=\\s*\"?([^\";]*)\"?"));
  auto it = entry.globalMatch(QString::fromUtf8(linkHeader));
  while (it.hasNext()) {
    const auto m = it.next();
    const QString params = m.captured(2);
    auto rels = relNext.globalMatch(params);
    while (rels.hasNext()) {
      const QStringList values =
          rels.next().captured(1).split(QLatin1Char(' '), Qt::SkipEmptyParts);
      if (values.contains(QLatin1String("next"), Qt::CaseInsensitive)) {
        const QUrl target = QUrl::fromEncoded(m.captured(1).trimmed().toUtf8(), QUrl::TolerantMode);
        return base.isValid() ? base.resolved(target) : target;
      }
    }
  }
  return {};
}

QString normalizeEtag(const QByteArray& etag) {
  QByteArray e = etag.trimmed();
  if (e.startsWith("W/")) e = e.mid(2);
  if (e.size() >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.mid(1, e.size() - 2);
  return QString::fromLatin1(e);
}

bool sameOrigin(const QUrl& a, const QUrl& b) {
  const auto port = [](const QUrl& u) {
    return u.port(u.scheme() == QLatin1String("https") ? 443 : 80);
  };
  return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0 &&
         a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && port(a) == port(b);
}

int backoffDelayMs(int attempt, const HubSettings& s, const QByteArray& retryAfter) {
  bool ok = false;
  const int seconds = retryAfter.trimmed().toInt(&ok);
  if (ok && seconds >= 0) return std::min<qint64>(qint64(seconds) * 1000, s.retryMaxDelayMs);
  qint64 delay = s.retryBaseDelayMs;
  for (int i = 0; i < attempt && delay < s.retryMaxDelayMs; ++i) delay *= 2;
  return int(std::min<qint64>(delay, s.retryMaxDelayMs));
}

QNetworkRequest makeRequest(const QUrl& url, const HubSettings& s, bool withAuth) {
  QNetworkRequest req(url);
  req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
  req.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("coil/0.1; qt/" QT_VERSION_STR));
  req.setRawHeader("Accept-Encoding", "identity");
  if (s.transferTimeoutMs > 0) req.setTransferTimeout(s.transferTimeoutMs);
  const QUrl endpoint(s.endpoint);
  if (withAuth && !s.token.isEmpty() && sameOrigin(url, endpoint))
    req.setRawHeader("Authorization", "Bearer " + s.token.toUtf8());
  return req;
}

int httpStatus(const QNetworkReply* reply) {
  return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

bool isCommitHash(const QString& revision) {
  static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{40}$"));
  return hex.match(revision).hasMatch();
}

}  // namespace coil::hub
