// coil-chat: the Coil desktop app. Loads the QML module Coil (ui/) over the App singleton
// of Coil.Core (app/core/). `coil-chat --help` lists the options.
#include <QCoreApplication>
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QQuickWindow>
#include <algorithm>
#include <cstdio>

#include "app_controller.hpp"
#include "coil/environment.hpp"
#include "command_line.hpp"
#include "screenshot_driver.hpp"
#include "storage_cli.hpp"

Q_IMPORT_QML_PLUGIN(CoilCorePlugin)
Q_IMPORT_QML_PLUGIN(CoilPlugin)

namespace {

void setIdentity() {
  QCoreApplication::setApplicationName(QStringLiteral("coil"));
  QCoreApplication::setOrganizationName(QString());
  QCoreApplication::setApplicationVersion(QStringLiteral(COIL_VERSION));
}

QStringList rawArguments(int argc, char** argv) {
  QStringList out;
  for (int i = 0; i < argc; ++i) out << QString::fromLocal8Bit(argv[i]);
  return out;
}

// Qt's own options (-platform, -style...) are single-dash words; only QGuiApplication knows them.
bool hasQtOptions(const QStringList& args) {
  return std::any_of(args.cbegin() + 1, args.cend(), [](const QString& a) {
    return a.size() > 2 && a[0] == QLatin1Char('-') && a[1] != QLatin1Char('-');
  });
}

// What needs no window: --version, --help, export, import and command-line mistakes.
// Returns -1 for "run the app".
int runWithoutWindow(const coil::app::CommandLine& cl, const QStringList& args, int argc,
                     char** argv) {
  using Action = coil::app::CommandLine::Action;
  switch (cl.action) {
    case Action::Error:
      if (hasQtOptions(args)) return -1;  // QGuiApplication takes them out, then we look again
      std::fprintf(stderr, "coil-chat: %s\nTry coil-chat --help.\n", qPrintable(cl.message));
      return 2;
    case Action::ShowVersion:
      std::printf("coil-chat %s\n", COIL_VERSION);
      return 0;
    case Action::ShowHelp:
      std::printf("%s", qPrintable(cl.message));
      return 0;
    case Action::StorageCommand: {
      QCoreApplication app(argc, argv);
      return coil::storage::storage_cli_main(cl.storageArgs);
    }
    default:
      return -1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  setIdentity();
  using Action = coil::app::CommandLine::Action;
  const QStringList raw = rawArguments(argc, argv);
  if (const int code = runWithoutWindow(coil::app::parseCommandLine(raw), raw, argc, argv);
      code >= 0)
    return code;

  QGuiApplication app(argc, argv);  // takes Qt's own options (-platform...) out of argv
  QGuiApplication::setApplicationDisplayName(QStringLiteral("Coil"));
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.coil.Coil"));
  const coil::app::CommandLine cl = coil::app::parseCommandLine(app.arguments());
  if (cl.action == Action::Error) {
    std::fprintf(stderr, "coil-chat: %s\nTry coil-chat --help.\n", qPrintable(cl.message));
    return 2;
  }
  if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
    QQuickStyle::setStyle(QStringLiteral("Material"));

  coil::app::AppController::Options options;
  options.dataDir = cl.dataDir;
  options.modelPath = cl.modelPath;
  options.engine = coil::model_options_from_environment();  // the COIL_* switches
  coil::app::AppController controller(options);
  coil::app::AppController::setInstance(&controller);

  QQmlApplicationEngine engine;
  engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
  QObject::connect(
      &engine, &QQmlApplicationEngine::objectCreated, &app,
      [](QObject* object, const QUrl&) {
        if (!object) QCoreApplication::exit(1);
      },
      Qt::QueuedConnection);
  engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Coil/Main.qml")));
  if (engine.rootObjects().isEmpty()) return 1;

  std::unique_ptr<coil::app::ScreenshotDriver> driver;
  if (!cl.sendText.isEmpty())
    driver = std::make_unique<coil::app::ScreenshotDriver>(
        &controller, qobject_cast<QQuickWindow*>(engine.rootObjects().first()), cl.sendText,
        cl.screenshotPath);
  controller.start();
  const int code = app.exec();
  driver.reset();
  return code;
}
