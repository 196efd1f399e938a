// coil-chat's command line:
//   coil-chat [--data-dir DIR] [--model DIR] [--send TEXT (--screenshot PNG |
//   --close-while-answering)] [--version] coil-chat export|import ...   (coil_storage's
//   export/import; --data-dir defaults as above)
#pragma once
#include <QString>
#include <QStringList>

namespace coil::app {

struct CommandLine {
  enum class Action { RunGui, ShowVersion, ShowHelp, StorageCommand, Error };
  Action action = Action::RunGui;
  QString dataDir;  // never empty after parsing: the default when not given
  QString modelPath;
  QString screenshotPath;  // test hook: save a screenshot after answering `sendText`
  QString sendText;
  bool closeWhileAnswering = false;  // test hook: close the window while `sendText` is answered
  QStringList storageArgs;           // export/import arguments, --data-dir included
  QString message;                   // help text, or what is wrong
};

// `args` as QCoreApplication::arguments() (program name first). The default data folder
// is QStandardPaths' AppDataLocation, which needs the application name set first.
CommandLine parseCommandLine(const QStringList& args);
QString defaultDataDir();

}  // namespace coil::app
