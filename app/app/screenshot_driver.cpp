#include "screenshot_driver.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QQuickWindow>
#include <QTimer>
#include <cstdio>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"

namespace coil::app {

ScreenshotDriver::ScreenshotDriver(AppController* app, QQuickWindow* window, QString text,
                                   QString path, QObject* parent)
    : QObject(parent), app_(app), window_(window), text_(std::move(text)), path_(std::move(path)) {
  connect(app->activeModel(), &ActiveModel::modelChanged, this, &ScreenshotDriver::onModelChanged);
  connect(app->activeModel(), &ActiveModel::loadFailed, this, [this](const QString& reason) {
    std::fprintf(stderr, "coil-chat: the model did not load: %s\n", qPrintable(reason));
    finish(1);
  });
  connect(app->chat(), &ChatController::answerFinished, this, [this](qint64 messageId) {
    if (path_.isEmpty())
      std::fprintf(stderr, "coil-chat: the answer ended before the window was closed (%s)\n",
                   messageId > 0 ? "stored" : "failed");
    finish(messageId > 0 && !path_.isEmpty() ? 0 : 1);
  });
}

void ScreenshotDriver::closeWhileAnswering() {
  if (done_) return;
  done_ = true;
  if (!window_ || !app_->chat()->busy()) {
    std::fprintf(stderr, "coil-chat: the answer ended before the window was closed\n");
    QCoreApplication::exit(1);
    return;
  }
  std::fprintf(stderr, "coil-chat: closing the window while the answer streams\n");
  window_->close();  // as the window's close button: the last window closes, Coil quits
}

void ScreenshotDriver::onModelChanged() {
  if (sent_ || !app_->activeModel()->loaded()) return;
  sent_ = true;
  // let the window show the loaded model first
  QTimer::singleShot(200, this, [this] {
    if (path_.isEmpty()) app_->chat()->settings()->setMaxTokens(1 << 20);  // outlasts the close
    if (!app_->chat()->send(text_)) {
      std::fprintf(stderr, "coil-chat: the message could not be sent\n");
      return finish(1);
    }
    if (path_.isEmpty()) QTimer::singleShot(kCloseAfterMs, this, [this] { closeWhileAnswering(); });
  });
}

void ScreenshotDriver::finish(int exitCode) {
  if (done_) return;
  done_ = true;
  if (path_.isEmpty()) {
    QCoreApplication::exit(exitCode);
    return;
  }
  // Give the scene a few frames to lay out and draw the final answer.
  QTimer::singleShot(700, this, [this, exitCode] {
    int code = exitCode;
    if (!window_) {
      code = 1;
    } else {
      const QImage image = window_->grabWindow();
      QDir().mkpath(QFileInfo(path_).absolutePath());
      if (image.isNull() || !image.save(path_, "PNG")) {
        std::fprintf(stderr, "coil-chat: cannot save the screenshot to %s\n", qPrintable(path_));
        code = 1;
      } else {
        std::fprintf(stderr, "coil-chat: screenshot saved to %s\n", qPrintable(path_));
      }
    }
    QCoreApplication::exit(code);
  });
}

}  // namespace coil::app
