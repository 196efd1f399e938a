#include "command_line.hpp"

#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>

namespace coil::app {

QString defaultDataDir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

namespace {

QString absolute(const QString& path) {
  return path.isEmpty() ? path : QDir::cleanPath(QDir(path).absolutePath());
}

}  // namespace

CommandLine parseCommandLine(const QStringList& args) {
  CommandLine out;
  if (args.size() > 1 && (args[1] == QLatin1String("export") ||
                          args[1] == QLatin1String("import") || args[1] == QLatin1String("list"))) {
    out.action = CommandLine::Action::StorageCommand;
    out.storageArgs = args.mid(1);
    if (!out.storageArgs.contains(QStringLiteral("--data-dir")))
      out.storageArgs << QStringLiteral("--data-dir") << defaultDataDir();
    return out;
  }
  QCommandLineParser p;
  p.setApplicationDescription(QStringLiteral(
      "Coil: chat with Mamba language models on your own machine.\n\n"
      "Also: coil-chat list             (the chats and their ids)\n"
      "      coil-chat export --chat ID|--all --format md|txt|json|openai [--out FILE]\n"
      "      coil-chat import FILE\n"
      "      coil-chat export --help       (more on these)"));
  const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                QStringLiteral("Show this help."));
  const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                   QStringLiteral("Show the version."));
  const QCommandLineOption dataDir(
      QStringLiteral("data-dir"),
      QStringLiteral("Keep the database, states and settings in DIR (default: %1).")
          .arg(defaultDataDir()),
      QStringLiteral("DIR"));
  const QCommandLineOption model(
      QStringLiteral("model"), QStringLiteral("Open the model folder DIR."), QStringLiteral("DIR"));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Test hook: after answering --send, save the window to PNG and quit."),
      QStringLiteral("PNG"));
  const QCommandLineOption send(QStringLiteral("send"),
                                QStringLiteral("Test hook: send TEXT once the model is loaded."),
                                QStringLiteral("TEXT"));
  const QCommandLineOption closeWhileAnswering(
      QStringLiteral("close-while-answering"),
      QStringLiteral("Test hook: close the window while the answer to --send streams in."));
  p.addOptions({help, version, dataDir, model, screenshot, send, closeWhileAnswering});
  if (!p.parse(args)) {
    out.action = CommandLine::Action::Error;
    out.message = p.errorText();
    return out;
  }
  if (p.isSet(help)) {
    out.action = CommandLine::Action::ShowHelp;
    out.message =
        p.helpText().replace(QStringLiteral("<executable_name>"), QStringLiteral("coil-chat"));
    return out;
  }
  if (p.isSet(version)) {
    out.action = CommandLine::Action::ShowVersion;
    return out;
  }
  if (!p.positionalArguments().isEmpty()) {
    out.action = CommandLine::Action::Error;
    out.message = QStringLiteral("unexpected argument: %1").arg(p.positionalArguments().first());
    return out;
  }
  out.dataDir = p.isSet(dataDir) ? absolute(p.value(dataDir)) : defaultDataDir();
  out.modelPath = absolute(p.value(model));
  out.screenshotPath = absolute(p.value(screenshot));
  out.sendText = p.value(send);
  out.closeWhileAnswering = p.isSet(closeWhileAnswering);
  const bool hook = !out.screenshotPath.isEmpty() || out.closeWhileAnswering;
  if (hook != !out.sendText.isEmpty() ||
      (!out.screenshotPath.isEmpty() && out.closeWhileAnswering)) {
    out.action = CommandLine::Action::Error;
    out.message = QStringLiteral("--send goes with either --screenshot or --close-while-answering");
  }
  return out;
}

}  // namespace coil::app
