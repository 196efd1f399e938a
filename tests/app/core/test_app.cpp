#include "test_app.hpp"

#include <QSignalSpy>

#include "active_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "fixture_model.hpp"

namespace coil::test {

TestApp::TestApp(const QString& fixture) {
  if (tmp_.isValid())
    model_ = makeFixtureModel(tmp_.filePath(QStringLiteral("model")), fixture, true);
}

std::unique_ptr<app::AppController> TestApp::open() const {
  auto app = std::make_unique<app::AppController>(app::AppController::Options{dataDir(), model_});
  QSignalSpy loaded(app->activeModel(), &app::ActiveModel::modelChanged);
  app->start();
  if (!app->activeModel()->loading() && !app->activeModel()->loaded()) return nullptr;
  if (!app->activeModel()->loaded() && !loaded.wait(kLoadWait)) return nullptr;
  if (!app->activeModel()->loaded()) return nullptr;
  return app;
}

std::unique_ptr<app::AppController> TestApp::openWithoutLoading(const QString& modelPath) const {
  return std::make_unique<app::AppController>(
      app::AppController::Options{dataDir(), modelPath, /*autoLoad=*/false});
}

void TestApp::makeGreedy(app::AppController& app, int maxTokens) {
  app::ChatSettings* s = app.chat()->settings();
  s->setTemperature(0);
  s->setRepetitionPenalty(1);
  s->setMaxTokens(maxTokens);
}

}  // namespace coil::test
