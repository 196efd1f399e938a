// Settings' "Local API server" (App.localServer): serves the model loaded in the app over
// the OpenAI-compatible API of `coil serve`, on 127.0.0.1 only, for editors, scripts and web
// UIs on this computer. It runs Coil's own `coil serve` (next to coil-chat, else on PATH) as a
// child process on the loaded model (a second copy of the weights in memory: safetensors and
// GGUF files are memory-mapped, so pages of unconverted weights are shared), restarts it when
// the app's model changes, and stops it when switched off or when Coil quits. Nothing waits
// on the GUI thread: the process is watched through QProcess's signals.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QProcess>

namespace coil::app {

class ActiveModel;
class AppSettings;

class LocalApiServer : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.localServer")
  Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY stateChanged)
  // The port to listen on (a setting; 0: any free port).
  Q_PROPERTY(int port READ port WRITE setPort NOTIFY portChanged)
  Q_PROPERTY(bool running READ running NOTIFY stateChanged)
  // "http://127.0.0.1:8080/v1" while running.
  Q_PROPERTY(QString url READ url NOTIFY stateChanged)
  // What it is doing, in words ("Serving coil-demo at ...", "Starting…", the error).
  Q_PROPERTY(QString statusText READ statusText NOTIFY stateChanged)
  Q_PROPERTY(QString error READ error NOTIFY stateChanged)

 public:
  LocalApiServer(ActiveModel* model, AppSettings* settings, QObject* parent = nullptr);
  ~LocalApiServer() override;

  bool enabled() const { return enabled_; }
  void setEnabled(bool enabled);
  int port() const;
  void setPort(int port);
  bool running() const { return !url_.isEmpty(); }
  QString url() const { return url_; }
  QString statusText() const;
  QString error() const { return error_; }

  // The `coil` program to run ("" finds it: next to this program, else on PATH).
  void setProgram(const QString& path) { program_ = path; }

 signals:
  void stateChanged();
  void portChanged();

 private:
  void start();
  void stop();
  void onOutput();
  void onFinished(int code, QProcess::ExitStatus status);
  QString findProgram() const;

  ActiveModel* model_;
  AppSettings* settings_;
  QProcess* process_ = nullptr;
  QString program_;
  bool enabled_ = false;
  QString servedPath_;
  QString url_;
  QString error_;
  QByteArray out_;
  QByteArray err_;  // the last of stderr, for the error message
};

}  // namespace coil::app
