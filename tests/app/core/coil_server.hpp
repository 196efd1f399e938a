// A real `coil serve` for the tests of the app as a client: started on 127.0.0.1 with an
// OS-chosen port (the listening line on stdout says which), killed with SIGKILL on demand.
#pragma once
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTcpServer>
#include <QUrl>

namespace coil::test {

class CoilServer {
 public:
  // False (with the server's stderr in lastError()) when it did not start.
  bool start(const QString& cliPath, const QString& model, const QStringList& extra = {}) {
    p_.setProgram(cliPath);
    p_.setArguments(QStringList{"serve", "--model", model, "--host", "127.0.0.1", "--port", "0",
                                "--backend", "cpu", "--threads", "1"} +
                    extra);
    p_.setProcessChannelMode(QProcess::SeparateChannels);
    p_.start();
    if (!p_.waitForStarted(30000)) return false;
    const QRegularExpression re(QStringLiteral("listening on (http://[0-9.]+:[0-9]+)"));
    QString out;
    while (p_.state() == QProcess::Running && p_.waitForReadyRead(60000)) {
      out += QString::fromUtf8(p_.readAllStandardOutput());
      const auto m = re.match(out);
      if (m.hasMatch()) {
        url_ = QUrl(m.captured(1) + QStringLiteral("/v1"));
        return true;
      }
    }
    error_ = QString::fromUtf8(p_.readAllStandardError()) + out;
    return false;
  }
  ~CoilServer() { kill(); }
  void kill() {
    if (p_.state() == QProcess::NotRunning) return;
    p_.kill();  // SIGKILL: no goodbye to the clients
    p_.waitForFinished(30000);
  }
  QUrl url() const { return url_; }
  QString lastError() const { return error_; }

 private:
  QProcess p_;
  QUrl url_;
  QString error_;
};

// A port nothing listens on (bound, then closed).
inline quint16 closedPort() {
  QTcpServer s;
  s.listen(QHostAddress::LocalHost, 0);
  const quint16 port = s.serverPort();
  s.close();
  return port;
}

}  // namespace coil::test
