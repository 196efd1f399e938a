#include "local_api_server.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>

#include "active_model.hpp"
#include "app_settings.hpp"

namespace coil::app {

namespace {
constexpr qsizetype kKeptStderr = 4096;
}

LocalApiServer::LocalApiServer(ActiveModel* model, AppSettings* settings, QObject* parent)
    : QObject(parent), model_(model), settings_(settings) {
  // another model in the app: the server follows it
  connect(model_, &ActiveModel::modelChanged, this, [this] {
    if (!enabled_) return;
    if (!model_->loaded()) return stop();
    if (model_->path() != servedPath_) start();
  });
}

LocalApiServer::~LocalApiServer() {
  // Coil quits: every server it started goes with it (SIGKILL is reaped at once)
  for (QProcess* p : findChildren<QProcess*>()) {
    p->disconnect(this);
    p->kill();
    p->waitForFinished(1000);
  }
}

int LocalApiServer::port() const {
  return settings_->localServerPort();
}

void LocalApiServer::setPort(int port) {
  if (port == settings_->localServerPort() || port < 0 || port > 65535) return;
  settings_->setLocalServerPort(port);
  emit portChanged();
  if (enabled_) start();
}

void LocalApiServer::setEnabled(bool enabled) {
  if (enabled == enabled_) return;
  enabled_ = enabled;
  error_.clear();
  if (enabled)
    start();
  else
    stop();
  emit stateChanged();
}

QString LocalApiServer::statusText() const {
  if (!error_.isEmpty()) return error_;
  if (!enabled_) return tr("Off");
  if (running()) return tr("Serving %1 at %2 (this computer only)").arg(model_->title(), url_);
  if (!model_->loaded()) return tr("Waiting for a model to be loaded");
  return tr("Starting…");
}

QString LocalApiServer::findProgram() const {
  if (!program_.isEmpty()) return program_;
  const QString beside = QStandardPaths::findExecutable(
      QStringLiteral("coil"),
      {QCoreApplication::applicationDirPath(), QCoreApplication::applicationDirPath() + "/../cli"});
  return beside.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("coil")) : beside;
}

void LocalApiServer::start() {
  stop();
  if (!model_->loaded()) {
    emit stateChanged();
    return;
  }
  const QString program = findProgram();
  if (program.isEmpty()) {
    error_ =
        tr("Coil's command-line program \"coil\" was not found next to coil-chat or on "
           "PATH, so the model cannot be served.");
    emit stateChanged();
    return;
  }
  servedPath_ = model_->path();
  QStringList args{QStringLiteral("serve"),  QStringLiteral("--model"),   servedPath_,
                   QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                   QString::number(port()),  QStringLiteral("--backend"), settings_->backend()};
  if (settings_->threads() > 0)
    args << QStringLiteral("--threads") << QString::number(settings_->threads());
  auto* p = new QProcess(this);
  process_ = p;
  out_.clear();
  err_.clear();
  error_.clear();
  p->setProgram(program);
  p->setArguments(args);
  connect(p, &QProcess::readyReadStandardOutput, this, &LocalApiServer::onOutput);
  connect(p, &QProcess::readyReadStandardError, this, [this, p] {
    err_ += p->readAllStandardError();
    if (err_.size() > kKeptStderr) err_ = err_.right(kKeptStderr);
  });
  connect(p, &QProcess::finished, this, &LocalApiServer::onFinished);
  connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart || p != process_) return;
    error_ = tr("The server could not be started: %1").arg(p->errorString());
    process_ = nullptr;
    p->deleteLater();
    emit stateChanged();
  });
  p->start();
  emit stateChanged();
}

void LocalApiServer::stop() {
  const bool was = running();
  url_.clear();
  if (process_) {
    QProcess* p = process_;
    process_ = nullptr;
    disconnect(p, nullptr, this, nullptr);
    // SIGTERM: it stops cleanly; then it goes (no wait here)
    connect(p, &QProcess::finished, p, &QObject::deleteLater);
    p->terminate();
  }
  if (was) emit stateChanged();
}

void LocalApiServer::onOutput() {
  if (!process_) return;
  out_ += process_->readAllStandardOutput();
  if (out_.size() > kKeptStderr) out_ = out_.right(kKeptStderr);
  static const QRegularExpression re(QStringLiteral("listening on (http://[^ \\n]+)"));
  const auto m = re.match(QString::fromUtf8(out_));
  if (m.hasMatch() && url_.isEmpty()) {
    url_ = m.captured(1) + QStringLiteral("/v1");
    emit stateChanged();
  }
}

void LocalApiServer::onFinished(int code, QProcess::ExitStatus status) {
  auto* p = qobject_cast<QProcess*>(sender());
  if (!p || p != process_) return;
  process_ = nullptr;
  p->deleteLater();
  url_.clear();
  // it ended on its own: say why (the last line it wrote, e.g. the port in use)
  QString why = QString::fromUtf8(err_).trimmed();
  why = why.section(QLatin1Char('\n'), -1).trimmed();
  if (why.isEmpty())
    why = status == QProcess::CrashExit ? tr("it crashed") : tr("exit code %1").arg(code);
  error_ = tr("The local API server stopped: %1").arg(why);
  emit stateChanged();
}

}  // namespace coil::app
