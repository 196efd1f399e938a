// The --send / --screenshot test hook: once the model is loaded, sends a message; once the
// answer is stored and drawn, saves the window as a PNG and quits (exit code 0, or 1 when
// the model failed to load or no answer came; the screenshot is saved either way).
#pragma once
#include <QObject>
#include <QPointer>
#include <QString>

class QQuickWindow;

namespace coil::app {

class AppController;

class ScreenshotDriver : public QObject {
  Q_OBJECT

 public:
  ScreenshotDriver(AppController* app, QQuickWindow* window, QString text, QString path,
                   QObject* parent = nullptr);

 private:
  void onModelChanged();
  void finish(int exitCode);

  AppController* app_;
  QPointer<QQuickWindow> window_;
  QString text_;
  QString path_;
  bool sent_ = false;
  bool done_ = false;
};

}  // namespace coil::app
