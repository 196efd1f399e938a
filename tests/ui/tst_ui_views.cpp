// Qt Quick Test of the views: one App (Coil.Core) for every test file, on a fixture model
// in a temporary data folder, with the Models page talking to the local Hub stand-in
// (fake_hub.py) and a temporary Hugging Face cache.
#include <QQmlContext>
#include <QQmlEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QtQuickTest>

#include "app_controller.hpp"
#include "fake_hub.hpp"
#include "fixture_model.hpp"

Q_IMPORT_QML_PLUGIN(CoilCorePlugin)
Q_IMPORT_QML_PLUGIN(CoilPlugin)

class Setup : public QObject {
  Q_OBJECT

 public slots:
  void applicationAvailable() {
    QQuickStyle::setStyle(QStringLiteral("Material"));
    hub_ = std::make_unique<coil::hub::test::FakeHub>();
    if (!hub_->isRunning()) qFatal("fake_hub.py: %s", qPrintable(hub_->startError()));
    qputenv("HF_ENDPOINT", hub_->endpoint().toUtf8());
    qputenv("HF_HOME", tmp_.filePath("hf-home").toUtf8());
    qputenv("HF_HUB_CACHE", tmp_.filePath("hf-cache").toUtf8());
    // save dialogs start in the Documents folder: the temporary one, never the user's
    qputenv("HOME", tmp_.filePath("home").toUtf8());
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"})
      qunsetenv(name);
    const QString model =
        coil::test::makeFixtureModel(tmp_.filePath("model"), "falcon-tiny-f32", true);
    app_ = std::make_unique<coil::app::AppController>(
        coil::app::AppController::Options{tmp_.filePath("data"), model});
    coil::app::AppController::setInstance(app_.get());
    app_->start();
  }

  void qmlEngineAvailable(QQmlEngine* engine) {
    engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
    // tst_window_layout.qml saves its screenshots here when set (README pictures, reviews)
    engine->rootContext()->setContextProperty(
        QStringLiteral("screenshotDir"), QString::fromLocal8Bit(qgetenv("COIL_SCREENSHOT_DIR")));
    engine->rootContext()->setContextProperty(QStringLiteral("testDataDir"),
                                              QStringLiteral(COIL_UI_TEST_DATA));
  }

  void cleanupTestCase() {
    app_.reset();
    hub_.reset();
  }

 private:
  QTemporaryDir tmp_;
  std::unique_ptr<coil::hub::test::FakeHub> hub_;
  std::unique_ptr<coil::app::AppController> app_;
};

QUICK_TEST_MAIN_WITH_SETUP(coil_ui, Setup)
#include "tst_ui_views.moc"
