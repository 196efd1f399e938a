// Errors of the hub client as values: a kind the caller can branch on and a message a
// person can act on ("set HF_TOKEN", "accept the terms at ...", "free some space").
#pragma once
#include <QByteArray>
#include <QMetaType>
#include <QString>

class QNetworkReply;

namespace coil::hub {

enum class HubErrorKind {
  None,
  Network,           // connection refused / reset / closed early: retryable
  Timeout,           // no bytes for too long, or HTTP 408: retryable
  RateLimited,       // HTTP 429: retryable
  Server,            // HTTP 5xx: retryable
  RepoNotFound,      // X-Error-Code RepoNotFound (404, or 401 without a token)
  RevisionNotFound,  // X-Error-Code RevisionNotFound
  EntryNotFound,     // X-Error-Code EntryNotFound
  GatedRepo,         // 401/403 with X-Error-Code GatedRepo
  Unauthorized,      // other 401/403
  Http,              // any other HTTP error
  InvalidResponse,   // a reply that does not follow the protocol
  Offline,           // HF_HUB_OFFLINE and not in the cache
  DiskFull,          // the free-space check, or ENOSPC while writing
  Io,                // another file-system error
  Checksum,          // sha256 differs from the LFS oid
  SizeMismatch,      // the file's size differs from the announced one
  InvalidArgument,   // e.g. an --include that matches no file
  Cancelled,
};

struct HubError {
  HubErrorKind kind = HubErrorKind::None;
  QString message;
  int httpStatus = 0;
  // No route to the host at all (name not resolved, connection refused, network down): the
  // machine is offline or the endpoint is wrong. A search or file list fails at once on it
  // rather than retrying (downloads still retry).
  bool unreachable = false;

  explicit operator bool() const { return kind != HubErrorKind::None; }
  // Connection errors, timeouts, 408, 429 and 5xx are worth another try.
  bool isRetryable() const;
  static HubError make(HubErrorKind kind, QString message, int httpStatus = 0);
};

// What a request was for, so that messages name the repository, revision and file.
struct RequestTarget {
  QString endpoint;
  QString repoId;
  QString revision;
  QString file;  // empty for API calls
  bool hadToken = false;
};

// The error of an HTTP answer (status + X-Error-Code + X-Error-Message); None for < 400.
HubError errorFromHttp(int status, const QByteArray& errorCode, const QByteArray& errorMessage,
                       const RequestTarget& target);

// The error of a finished reply: a transport error, or errorFromHttp on its status.
HubError errorFromReply(QNetworkReply* reply, const RequestTarget& target);

}  // namespace coil::hub

Q_DECLARE_METATYPE(coil::hub::HubError)
