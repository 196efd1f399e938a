// coil-chat's command line.
#include <QDir>
#include <QTest>

#include "command_line.hpp"

using namespace coil::app;
using Action = CommandLine::Action;

class TestCommandLine : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QCoreApplication::setApplicationName("coil"); }

  void defaults() {
    const auto c = parseCommandLine({"coil-chat"});
    QCOMPARE(c.action, Action::RunGui);
    QCOMPARE(c.dataDir, defaultDataDir());
    QVERIFY(c.dataDir.endsWith("coil"));
    QVERIFY(c.modelPath.isEmpty());
  }

  void dataDirAndModelAreAbsolute() {
    const auto c = parseCommandLine({"coil-chat", "--data-dir", "d", "--model", "/m/x/"});
    QCOMPARE(c.action, Action::RunGui);
    QCOMPARE(c.dataDir, QDir::current().absoluteFilePath("d"));
    QCOMPARE(c.modelPath, "/m/x");
  }

  void version() {
    QCOMPARE(parseCommandLine({"coil-chat", "--version"}).action, Action::ShowVersion);
    QCOMPARE(parseCommandLine({"coil-chat", "-v"}).action, Action::ShowVersion);
  }

  void testHookNeedsBothParts() {
    QCOMPARE(parseCommandLine({"coil-chat", "--send", "hi"}).action, Action::Error);
    const auto c = parseCommandLine({"coil-chat", "--send", "hi", "--screenshot", "/t/a.png"});
    QCOMPARE(c.action, Action::RunGui);
    QCOMPARE(c.sendText, "hi");
    QCOMPARE(c.screenshotPath, "/t/a.png");
  }

  void errors() {
    QCOMPARE(parseCommandLine({"coil-chat", "--nope"}).action, Action::Error);
    QCOMPARE(parseCommandLine({"coil-chat", "stray"}).action, Action::Error);
  }

  void storageCommandsGetADataDir() {
    auto c = parseCommandLine({"coil-chat", "export", "--all", "--format", "md"});
    QCOMPARE(c.action, Action::StorageCommand);
    QCOMPARE(c.storageArgs,
             (QStringList{"export", "--all", "--format", "md", "--data-dir", defaultDataDir()}));
    c = parseCommandLine({"coil-chat", "import", "--data-dir", "/d", "f.json"});
    QCOMPARE(c.storageArgs, (QStringList{"import", "--data-dir", "/d", "f.json"}));
    c = parseCommandLine({"coil-chat", "list"});
    QCOMPARE(c.action, Action::StorageCommand);
    QCOMPARE(c.storageArgs, (QStringList{"list", "--data-dir", defaultDataDir()}));
    c = parseCommandLine({"coil-chat", "export", "--help"});
    QCOMPARE(c.action, Action::StorageCommand);  // its own help, not the window's
  }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_command_line.moc"
