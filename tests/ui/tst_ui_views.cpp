// Qt Quick Test of the views: one App (Coil.Core) for every test file, on a fixture model
// in a temporary data folder, with the Models page talking to the local Hub stand-in
// (fake_hub.py) and a temporary Hugging Face cache; a real `coil serve` on the same fixture
// model, with an API key, for the Remote tab (tst_remote.qml).
#include <QDir>
#include <QDropEvent>
#include <QJsonObject>
#include <QMimeData>
#include <QQmlContext>
#include <QQmlEngine>
#include <QQmlExtensionPlugin>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtQuickTest>
#include <cstdio>
#include <cstdlib>

#include "app_controller.hpp"
#include "attachment_fixtures.hpp"
#include "coil_server.hpp"
#include "fake_hub.hpp"
#include "fixture_model.hpp"
#include "local_api_server.hpp"

Q_IMPORT_QML_PLUGIN(CoilCorePlugin)
Q_IMPORT_QML_PLUGIN(CoilPlugin)

namespace {

// A layout that never settles ("Polish loop detected") or a binding that feeds itself
// ("Binding loop detected") fails the test it happens in, whichever view it is in: the
// warnings are only printed otherwise, and one went unnoticed (SettingsPage.qml:53).
QtMessageHandler testLogHandler = nullptr;
QStringList loopsOutsideTests;  // while a view was made: they fail the run at its end

void failOnLayoutLoops(QtMsgType type, const QMessageLogContext& context, const QString& msg) {
  testLogHandler(type, context, msg);
  if (type != QtWarningMsg ||
      !(msg.contains(QLatin1String("Polish loop")) || msg.contains(QLatin1String("Binding loop"))))
    return;
  if (QTest::currentTestFunction())
    QTest::qFail(qPrintable(QStringLiteral("layout or binding loop: ") + msg), __FILE__, __LINE__);
  else
    loopsOutsideTests << msg;
}

}  // namespace

// Drops local files on an item the way the platform delivers a drop from a file manager:
// drag-enter, drag-move and drop events carrying text/uri-list, sent to the item's window.
class FileDropper : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  // Returns whether the drop was accepted.
  Q_INVOKABLE bool drop(QQuickItem* item, const QStringList& paths) {
    if (!item || !item->window()) return false;
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& p : paths) urls << QUrl::fromLocalFile(p);
    mime.setUrls(urls);
    const QPointF at = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(item->window(), &enter);
    QDragMoveEvent move(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(item->window(), &move);
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(item->window(), &drop);
    return drop.isAccepted();
  }
};

// The Hub stand-in's test knobs for the views (tst_models_page.qml: a failing search).
class HubKnobs : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  coil::hub::test::FakeHub* hub = nullptr;
  Q_INVOKABLE void set(const QVariantMap& knobs) {
    hub->setKnobs(QJsonObject::fromVariantMap(knobs));
  }
  Q_INVOKABLE void reset() { hub->reset(); }
};

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
    if (!server_.start(QStringLiteral(COIL_CLI_PATH), model,
                       {"--api-key", kRemoteKey, "--model-id", "tiny-remote",
                        "--max-completion-tokens", "1000000"}))
      qFatal("coil serve: %s", qPrintable(server_.lastError()));
    app_ = std::make_unique<coil::app::AppController>(
        coil::app::AppController::Options{tmp_.filePath("data"), model});
    coil::app::AppController::setInstance(app_.get());
    app_->localServer()->setProgram(QStringLiteral(COIL_CLI_PATH));
    app_->start();
  }

  void qmlEngineAvailable(QQmlEngine* engine) {
    // here, not earlier: the test log's own handler is in place by now, and it is kept
    if (!testLogHandler) testLogHandler = qInstallMessageHandler(failOnLayoutLoops);
    engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
    // for tst_attachments.qml: the files it attaches, where its screenshots go
    engine->rootContext()->setContextProperty(QStringLiteral("attachmentFixtures"),
                                              coil::test::attachmentFixturesDir());
    QDir().mkpath(QStringLiteral(COIL_ARTIFACTS_DIR));
    engine->rootContext()->setContextProperty(QStringLiteral("artifactsDir"),
                                              QStringLiteral(COIL_ARTIFACTS_DIR));
    engine->rootContext()->setContextProperty(QStringLiteral("fileDropper"), &dropper_);
    knobs_.hub = hub_.get();
    engine->rootContext()->setContextProperty(QStringLiteral("hubKnobs"), &knobs_);
    // tst_window_layout.qml saves its screenshots here when set (README pictures, reviews)
    engine->rootContext()->setContextProperty(
        QStringLiteral("screenshotDir"), QString::fromLocal8Bit(qgetenv("COIL_SCREENSHOT_DIR")));
    engine->rootContext()->setContextProperty(QStringLiteral("testDataDir"),
                                              QStringLiteral(COIL_UI_TEST_DATA));
    engine->rootContext()->setContextProperty(QStringLiteral("remoteServerUrl"),
                                              server_.url().toString());
    engine->rootContext()->setContextProperty(QStringLiteral("remoteServerKey"), kRemoteKey);
    engine->rootContext()->setContextProperty(QStringLiteral("dataDir"), tmp_.filePath("data"));
  }

  void cleanupTestCase() {
    app_.reset();
    hub_.reset();
    server_.kill();
    if (!loopsOutsideTests.isEmpty()) {
      fprintf(stderr, "FAIL: layout or binding loops outside the test functions:\n%s\n",
              qPrintable(loopsOutsideTests.join(QLatin1Char('\n'))));
      fflush(stderr);
      std::_Exit(1);
    }
  }

 private:
  QTemporaryDir tmp_;
  std::unique_ptr<coil::hub::test::FakeHub> hub_;
  std::unique_ptr<coil::app::AppController> app_;
  FileDropper dropper_;
  HubKnobs knobs_;
  coil::test::CoilServer server_;
  static inline const QString kRemoteKey = QStringLiteral("sk-ui-test-5b8c0e");
};

QUICK_TEST_MAIN_WITH_SETUP(coil_ui, Setup)
#include "tst_ui_views.moc"
