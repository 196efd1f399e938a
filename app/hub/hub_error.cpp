#include "hub_error.hpp"

#include <QNetworkReply>

namespace coil::hub {

bool HubError::isRetryable() const {
  switch (kind) {
    case HubErrorKind::Network:
    case HubErrorKind::Timeout:
    case HubErrorKind::RateLimited:
    case HubErrorKind::Server:
      return true;
    default:
      return false;
  }
}

HubError HubError::make(HubErrorKind kind, QString message, int httpStatus) {
  HubError e;
  e.kind = kind;
  e.message = std::move(message);
  e.httpStatus = httpStatus;
  return e;
}

namespace {

QString repoPage(const RequestTarget& t) {
  return t.endpoint + QLatin1Char('/') + t.repoId;
}

// What was being fetched, for messages: a file, a repository, or (no repository) a search.
QString what(const RequestTarget& t) {
  if (t.repoId.isEmpty()) return QStringLiteral("the model search");
  if (!t.file.isEmpty()) return QStringLiteral("'%1' of '%2'").arg(t.file, t.repoId);
  return QStringLiteral("'%1'").arg(t.repoId);
}

// Why a host could not be reached, in words (Qt's own strings name the host again).
QString unreachableReason(QNetworkReply::NetworkError err, const QString& fallback) {
  switch (err) {
    case QNetworkReply::HostNotFoundError:
      return QStringLiteral("the name could not be resolved");
    case QNetworkReply::ConnectionRefusedError:
      return QStringLiteral("the connection was refused");
    case QNetworkReply::RemoteHostClosedError:
      return QStringLiteral("the server closed the connection");
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
      return QStringLiteral("the network is down");
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::ProxyConnectionClosedError:
      return QStringLiteral("the proxy failed: ") + fallback;
    default:
      return fallback;
  }
}

}  // namespace

HubError errorFromHttp(int status, const QByteArray& errorCode, const QByteArray& errorMessage,
                       const RequestTarget& t) {
  if (status < 400) return {};
  const QString code = QString::fromLatin1(errorCode).trimmed();
  const QString serverSays = QString::fromUtf8(errorMessage).trimmed();
  const QString revision = t.revision.isEmpty() ? QStringLiteral("main") : t.revision;

  if (code == QLatin1String("GatedRepo")) {
    if (t.hadToken)
      return HubError::make(
          HubErrorKind::GatedRepo,
          QStringLiteral("'%1' is a gated repository and your token has no access to it: accept "
                         "the model's terms at %2 with the account the token belongs to, then "
                         "retry.")
              .arg(t.repoId, repoPage(t)),
          status);
    return HubError::make(
        HubErrorKind::GatedRepo,
        QStringLiteral("'%1' is a gated repository: a token is needed. Accept the model's terms "
                       "at %2, then set HF_TOKEN (or save a token in the settings) to an access "
                       "token of that account.")
            .arg(t.repoId, repoPage(t)),
        status);
  }
  if (code == QLatin1String("RepoNotFound"))
    return HubError::make(
        HubErrorKind::RepoNotFound,
        t.hadToken ? QStringLiteral("Repository '%1' was not found on %2 (or your token has no "
                                    "access to it). Check the name.")
                         .arg(t.repoId, t.endpoint)
                   : QStringLiteral("Repository '%1' was not found on %2. Check the name; a "
                                    "private repository needs a token (HF_TOKEN).")
                         .arg(t.repoId, t.endpoint),
        status);
  if (code == QLatin1String("RevisionNotFound"))
    return HubError::make(
        HubErrorKind::RevisionNotFound,
        QStringLiteral("Revision '%1' was not found in repository '%2'.").arg(revision, t.repoId),
        status);
  if (code == QLatin1String("EntryNotFound"))
    return HubError::make(
        HubErrorKind::EntryNotFound,
        QStringLiteral("File '%1' was not found in repository '%2' at revision '%3'.")
            .arg(t.file.isEmpty() ? QStringLiteral("(path)") : t.file, t.repoId, revision),
        status);

  const QString suffix = serverSays.isEmpty() ? QString() : QStringLiteral(": ") + serverSays;
  if (status == 401 || status == 403) {
    QString msg = t.hadToken ? QStringLiteral(
                                   "Access to %1 was refused (HTTP %2): the token is invalid, "
                                   "expired or lacks permission%3.")
                             : QStringLiteral(
                                   "Access to %1 was refused (HTTP %2): a token is needed "
                                   "(set HF_TOKEN)%3.");
    return HubError::make(HubErrorKind::Unauthorized, msg.arg(what(t)).arg(status).arg(suffix),
                          status);
  }
  if (status == 404)
    return HubError::make(
        HubErrorKind::Http,
        QStringLiteral("%1 was not found on %2 (HTTP 404)%3.").arg(what(t), t.endpoint, suffix),
        status);
  if (status == 408)
    return HubError::make(
        HubErrorKind::Timeout,
        QStringLiteral("The Hub timed out while serving %1 (HTTP 408).").arg(what(t)), status);
  if (status == 429)
    return HubError::make(
        HubErrorKind::RateLimited,
        QStringLiteral("The Hub is rate-limiting requests (HTTP 429) for %1; try again later.")
            .arg(what(t)),
        status);
  if (status >= 500)
    return HubError::make(HubErrorKind::Server,
                          QStringLiteral("The Hub had a server error (HTTP %1) for %2%3.")
                              .arg(status)
                              .arg(what(t), suffix),
                          status);
  return HubError::make(HubErrorKind::Http,
                        QStringLiteral("The Hub refused the request for %1 (HTTP %2)%3.")
                            .arg(what(t))
                            .arg(status)
                            .arg(suffix),
                        status);
}

HubError errorFromReply(QNetworkReply* reply, const RequestTarget& t) {
  const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
  if (statusAttr.isValid() && statusAttr.toInt() >= 400)
    return errorFromHttp(statusAttr.toInt(), reply->rawHeader("X-Error-Code"),
                         reply->rawHeader("X-Error-Message"), t);
  const auto err = reply->error();
  if (err == QNetworkReply::NoError) return {};
  const QString host = reply->url().host();
  if (err == QNetworkReply::OperationCanceledError || err == QNetworkReply::TimeoutError)
    return HubError::make(
        HubErrorKind::Timeout,
        QStringLiteral("The connection to %1 timed out while fetching %2.").arg(host, what(t)));
  if (err == QNetworkReply::SslHandshakeFailedError || err == QNetworkReply::ProtocolUnknownError ||
      err == QNetworkReply::ProtocolInvalidOperationError)
    return HubError::make(
        HubErrorKind::Http,
        QStringLiteral("Could not fetch %1 from %2: %3").arg(what(t), host, reply->errorString()));
  HubError e = HubError::make(
      HubErrorKind::Network,
      QStringLiteral("Could not reach %1 for %2: %3. Check the internet connection (or the "
                     "proxy in HTTPS_PROXY) and retry; models already downloaded still work.")
          .arg(host, what(t), unreachableReason(err, reply->errorString())));
  e.unreachable = err == QNetworkReply::HostNotFoundError ||
                  err == QNetworkReply::ConnectionRefusedError ||
                  err == QNetworkReply::TemporaryNetworkFailureError ||
                  err == QNetworkReply::NetworkSessionFailedError;
  return e;
}

}  // namespace coil::hub
