// The local Hub stand-in (fake_hub.py) as a child process, plus its test controls.
#pragma once
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include "hub_settings.hpp"

namespace coil::hub::test {

inline constexpr const char* kGoodToken = "hf_coil_test_token";

class FakeHub {
 public:
  // Extra repos served from folders: {"org/name=DIR", ...}.
  explicit FakeHub(const QStringList& repos = {});
  ~FakeHub();

  bool isRunning() const { return port_ > 0; }
  QString startError() const { return error_; }
  QString endpoint() const;

  void setKnobs(const QJsonObject& knobs);
  void reset();    // knobs and log
  void release();  // held transfers continue
  int held();      // transfers currently held
  QJsonArray log();
  // Requests in the log matching server ("hub"/"cdn"), method and a path suffix (empty = any).
  QJsonArray requests(const QString& server, const QString& method,
                      const QString& pathEndsWith = {});

  // Settings for a test: this endpoint, the given cache, short retry delays, no token.
  HubSettings settings(const QString& cacheDir) const;

 private:
  QJsonObject call(const QByteArray& method, const QString& path, const QJsonObject& body = {});

  QProcess process_;
  int port_ = 0;
  QString error_;
};

// sha256 of a file, hex.
QString sha256OfFile(const QString& path);
// Blocks until `done` or the timeout, processing events; true if done.
bool waitFor(const std::function<bool()>& done, int timeoutMs = 60000);

}  // namespace coil::hub::test
