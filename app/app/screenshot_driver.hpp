// The --send / --screenshot test hook: once the model is loaded, sends a message; once the
// answer is stored and drawn, saves the window as a PNG and quits (exit code 0, or 1 when
// the model failed to load or no answer came; the screenshot is saved either way).
// With --close-while-answering instead of --screenshot: the answer may run long, and a few
// seconds into it the window is closed as its close button does (Coil quits; exit code 1
// when the answer had already ended).
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
  // An empty `path`: close the window while the answer streams.
  ScreenshotDriver(AppController* app, QQuickWindow* window, QString text, QString path,
                   QObject* parent = nullptr);
  static constexpr int kCloseAfterMs = 2500;  // > the 1 s at which a streaming draft is saved

 private:
  void onModelChanged();
  void finish(int exitCode);
  void closeWhileAnswering();

  AppController* app_;
  QPointer<QQuickWindow> window_;
  QString text_;
  QString path_;
  bool sent_ = false;
  bool done_ = false;
};

}  // namespace coil::app
