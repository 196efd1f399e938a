// What most app tests start from: a temporary folder holding a chat-ready fixture model
// (makeFixtureModel) and a data folder, and the App object (AppController) opened on them
// with the model loaded, as a person starting Coil on that model gets it.
#pragma once
#include <QString>
#include <QTemporaryDir>
#include <memory>

#include "app_controller.hpp"

namespace coil::test {

class TestApp {
 public:
  static constexpr int kLoadWait = 120000;  // ms a fixture model may take to load

  // `fixture` as for makeFixtureModel (its answers run to the token limit: no EOS).
  explicit TestApp(const QString& fixture = QStringLiteral("falcon-tiny-f32"));

  bool isValid() const { return tmp_.isValid() && !model_.isEmpty(); }
  QString model() const { return model_; }
  QString dataDir() const { return tmp_.filePath(QStringLiteral("data")); }
  QString filePath(const QString& name) const { return tmp_.filePath(name); }

  // The app on dataDir(), started on model(), back once the model is loaded: nullptr when
  // start() began no load, or the model is not loaded within kLoadWait.
  std::unique_ptr<app::AppController> open() const;
  // The app on dataDir(), not started, no model loading (modelPath: its --model).
  std::unique_ptr<app::AppController> openWithoutLoading(const QString& modelPath = {}) const;
  // Greedy, no repetition penalty, answers of `maxTokens` tokens: answers the tests can
  // predict in length.
  static void makeGreedy(app::AppController& app, int maxTokens);

 private:
  QTemporaryDir tmp_;
  QString model_;
};

}  // namespace coil::test
