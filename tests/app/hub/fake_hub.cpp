#include "fake_hub.hpp"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>

namespace coil::hub::test {

FakeHub::FakeHub(const QStringList& repos) {
  QStringList args{QStringLiteral(COIL_FAKE_HUB_SCRIPT)};
  for (const QString& r : repos) args << QStringLiteral("--repo") << r;
  process_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  process_.start(QStringLiteral(COIL_PYTHON3), args);
  if (!process_.waitForStarted(60000)) {
    error_ = QStringLiteral("cannot start %1: %2").arg(COIL_PYTHON3, process_.errorString());
    return;
  }
  QDeadlineTimer deadline(120000);
  QByteArray line;
  while (!line.contains('\n') && !deadline.hasExpired() && process_.state() == QProcess::Running) {
    process_.waitForReadyRead(1000);
    line += process_.readAllStandardOutput();
  }
  port_ = line.trimmed().toInt();
  if (port_ <= 0)
    error_ = QStringLiteral("fake_hub.py did not print its port (got '%1')")
                 .arg(QString::fromUtf8(line));
}

FakeHub::~FakeHub() {
  if (process_.state() != QProcess::NotRunning) {
    process_.kill();
    process_.waitForFinished(30000);
  }
}

QString FakeHub::endpoint() const {
  return QStringLiteral("http://127.0.0.1:%1").arg(port_);
}

QJsonObject FakeHub::call(const QByteArray& method, const QString& path, const QJsonObject& body) {
  QNetworkAccessManager nam;
  QNetworkRequest req(QUrl(endpoint() + path));
  req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
  req.setTransferTimeout(60000);
  QNetworkReply* reply = method == "POST"
                             ? nam.post(req, QJsonDocument(body).toJson(QJsonDocument::Compact))
                             : nam.get(req);
  QEventLoop loop;
  QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
  if (!reply->isFinished()) loop.exec();
  const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
  reply->deleteLater();
  if (doc.isArray()) return QJsonObject{{QStringLiteral("array"), doc.array()}};
  return doc.object();
}

void FakeHub::setKnobs(const QJsonObject& knobs) {
  call("POST", QStringLiteral("/_test/knobs"), knobs);
}
void FakeHub::reset() {
  call("POST", QStringLiteral("/_test/reset"));
}
void FakeHub::release() {
  call("POST", QStringLiteral("/_test/release"));
}
int FakeHub::held() {
  return call("GET", QStringLiteral("/_test/state")).value(QLatin1String("held")).toInt();
}
QJsonArray FakeHub::log() {
  return call("GET", QStringLiteral("/_test/log")).value(QLatin1String("array")).toArray();
}

QJsonArray FakeHub::requests(const QString& server, const QString& method,
                             const QString& pathEndsWith) {
  QJsonArray out;
  for (const QJsonValue& v : log()) {
    const QJsonObject e = v.toObject();
    if (!server.isEmpty() && e.value(QLatin1String("server")).toString() != server) continue;
    if (!method.isEmpty() && e.value(QLatin1String("method")).toString() != method) continue;
    if (!pathEndsWith.isEmpty() &&
        !e.value(QLatin1String("path")).toString().endsWith(pathEndsWith))
      continue;
    out << e;
  }
  return out;
}

HubSettings FakeHub::settings(const QString& cacheDir) const {
  HubSettings s;
  s.endpoint = endpoint();
  s.cacheDir = cacheDir;
  s.token.clear();
  s.offline = false;
  s.retryBaseDelayMs = 20;
  s.retryMaxDelayMs = 200;
  s.maxRetries = 4;
  s.transferTimeoutMs = 120000;
  return s;
}

QString sha256OfFile(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash h(QCryptographicHash::Sha256);
  h.addData(&f);
  return QString::fromLatin1(h.result().toHex());
}

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  QDeadlineTimer deadline(timeoutMs);
  while (!done()) {
    if (deadline.hasExpired()) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(10);
  }
  return true;
}

}  // namespace coil::hub::test
