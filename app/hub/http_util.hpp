// Small pieces of the Hub's HTTP protocol shared by the API client and the downloader.
#pragma once
#include <QByteArray>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

class QNetworkReply;

namespace coil::hub {

struct HubSettings;

// endpoint + an already percent-encoded path (+ query); keeps "%2F" in revisions encoded.
QUrl hubUrl(const QString& endpoint, const QByteArray& encodedPath, const QUrlQuery& query = {});

// A path segment with everything but unreserved characters encoded ("refs/pr/1" ->
// "refs%2Fpr%2F1").
QByteArray encodeSegment(const QString& segment);
// A file path inside a repo: segments encoded, '/' kept.
QByteArray encodeFilePath(const QString& path);

// The URL of rel="next" in an RFC 8288 Link header, resolved against `base`; empty if none.
QUrl nextLinkUrl(const QByteArray& linkHeader, const QUrl& base = {});

// An ETag without the weak marker and the quotes: W/"abc" -> abc.
QString normalizeEtag(const QByteArray& etag);

// Same scheme, host and port (Authorization is only ever sent to the endpoint's origin).
bool sameOrigin(const QUrl& a, const QUrl& b);

// Backoff before retry number `attempt` (0-based): base * 2^attempt capped at the maximum;
// a Retry-After in seconds is honoured up to the maximum.
int backoffDelayMs(int attempt, const HubSettings& settings, const QByteArray& retryAfter = {});

// A request with the user agent, no redirect following (we follow by hand), identity
// encoding, and the token when `withAuth` and the URL is on the endpoint's origin.
QNetworkRequest makeRequest(const QUrl& url, const HubSettings& settings, bool withAuth);

// HTTP status of a reply (0 when none, e.g. a connection error).
int httpStatus(const QNetworkReply* reply);

// True for a full 40-hex commit id (an immutable revision).

bool isCommitHash(const QString& revision);

}  // namespace coil::hub
