// Helper of tst_partial_answer: opens Coil's app layer on a data folder and a model, asks
// one question with an answer length of a million tokens, and streams until it is killed
// (the test kills it with SIGKILL once the partial answer shows in the database).
#include <QCoreApplication>
#include <QGuiApplication>
#include <cstdio>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"

using namespace coil::app;

int main(int argc, char** argv) {
  QGuiApplication qapp(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: chat_crash_driver DATA_DIR MODEL_DIR\n");
    return 2;
  }
  AppController app(
      AppController::Options{QString::fromLocal8Bit(argv[1]), QString::fromLocal8Bit(argv[2])});
  bool sent = false;
  QObject::connect(app.activeModel(), &ActiveModel::modelChanged, &app, [&] {
    if (sent || !app.activeModel()->loaded()) return;
    sent = true;
    app.chat()->settings()->setMaxTokens(1 << 20);
    app.chat()->send(QStringLiteral("Tell me a very long story."));
    std::printf("sent\n");
    std::fflush(stdout);
  });
  QObject::connect(app.chat(), &ChatController::answerFinished, &qapp, [] {
    std::fprintf(stderr, "the answer finished before the kill\n");
    QCoreApplication::exit(1);
  });
  app.start();
  return qapp.exec();
}
