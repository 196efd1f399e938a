// storage_cli_main: `list`, `export` and `import` on a real data folder, --help of each, usage
// errors and failures.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

#include "sample_chats.hpp"
#include "storage.hpp"
#include "storage_cli.hpp"

using namespace coil::storage;

namespace {

struct Run {
  int code = 0;
  QString out, err;
};

Run cli(const QStringList& args) {
  Run r;
  QTextStream out(&r.out), err(&r.err);
  r.code = storage_cli_main(args, out, err);
  return r;
}

QByteArray readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestStorageCli : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString data_, other_;
  qint64 chat_ = 0;

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    data_ = dir_.filePath(QStringLiteral("data"));
    other_ = dir_.filePath(QStringLiteral("other"));
    Storage storage(data_);
    chat_ = test::addSampleChat(storage.chats(), QStringLiteral("CLI chat")).id;
    storage.chats().addMessage(storage.chats().createConversation(QStringLiteral("Second")), 0,
                               QStringLiteral("user"), QStringLiteral("hi"));
  }

  void exportsEveryFormatToAFile_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("expected");
    QTest::newRow("md") << "md"
                        << "# CLI chat";
    QTest::newRow("txt") << "txt"
                         << "CLI chat\n========";
    QTest::newRow("json") << "json"
                          << "\"schema_version\": 1";
    QTest::newRow("openai") << "openai"
                            << "\"messages\"";
  }

  void exportsEveryFormatToAFile() {
    QFETCH(QString, format);
    QFETCH(QString, expected);
    const QString out = dir_.filePath(QStringLiteral("chat.") + format);
    const Run r = cli({"export", "--data-dir", data_, "--chat", QString::number(chat_), "--format",
                       format, "--out", out});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    QVERIFY(QString::fromUtf8(readFile(out)).contains(expected));
  }

  void exportsToStandardOutput() {
    const Run r = cli({"export", "--data-dir", data_, "--all", "--format", "md"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(QLatin1String("# CLI chat")));
    QVERIFY(r.out.contains(QLatin1String("# Second")));
  }

  void importsWhatItExported() {
    const QString file = dir_.filePath(QStringLiteral("all.json"));
    QCOMPARE(cli({"export", "--data-dir", data_, "--all", "--format", "json", "--out", file}).code,
             0);
    const Run r = cli({"import", "--data-dir", other_, file});
    QCOMPARE(r.code, 0);
    QVERIFY2(QRegularExpression(QStringLiteral("^imported 2 chats \\(ids \\d+, \\d+\\)\n$"))
                 .match(r.out)
                 .hasMatch(),
             qPrintable(r.out));
    const QString again = dir_.filePath(QStringLiteral("again.json"));
    QCOMPARE(
        cli({"export", "--data-dir", other_, "--all", "--format", "json", "--out", again}).code, 0);
    QCOMPARE(readFile(again), readFile(file));
    // the same file again: recognised, nothing added
    const Run twice = cli({"import", "--data-dir", other_, file});
    QCOMPARE(twice.code, 0);
    QCOMPARE(twice.out, QStringLiteral("imported 0 chats; 2 were already here\n"));
  }

  // `list`: the ids that `export --chat` takes, with the titles, newest first.
  void listShowsIdsAndTitles() {
    const Run r = cli({"list", "--data-dir", data_});
    QCOMPARE(r.code, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[0].contains("ID") && lines[0].contains("TITLE"), qPrintable(r.out));
    const QRegularExpression row(
        QStringLiteral("^\\s*(\\d+)  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  (.+)$"));
    QStringList titles;
    bool sawChat = false;
    for (const QString& line : lines.mid(1)) {
      const auto m = row.match(line);
      QVERIFY2(m.hasMatch(), qPrintable(line));
      titles << m.captured(2);
      sawChat |= m.captured(1).toLongLong() == chat_ && m.captured(2) == "CLI chat";
    }
    QVERIFY2(sawChat, qPrintable(r.out));
    QVERIFY(titles.contains("Second"));
    const QTemporaryDir empty;
    QCOMPARE(cli({"list", "--data-dir", empty.path()}).out, QStringLiteral("no chats\n"));
  }

  // `coil-chat export --help` (and of each command) prints the usage, exit 0.
  void helpOfEachCommand_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("export") << QStringList{"export", "--help", "--data-dir", "x"};
    QTest::newRow("import") << QStringList{"import", "-h"};
    QTest::newRow("list") << QStringList{"list", "--help"};
  }

  void helpOfEachCommand() {
    QFETCH(QStringList, args);
    const Run r = cli(args);
    QCOMPARE(r.code, 0);
    QVERIFY(r.err.isEmpty());
    QVERIFY2(r.out.contains("usage:") && r.out.contains("export [--data-dir DIR] (--chat ID"),
             qPrintable(r.out));
    QVERIFY(!QFile::exists(QStringLiteral("x")));
  }

  void failuresSayWhy() {
    Run r = cli({"export", "--data-dir", data_, "--chat", "999", "--format", "md"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QLatin1String("no conversation with id 999")), qPrintable(r.err));

    const QString bad = dir_.filePath(QStringLiteral("bad.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format":"coil-chat","schema_version":99,"conversations":[]})");
    f.close();
    r = cli({"import", "--data-dir", data_, bad});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QLatin1String("schema_version 99")), qPrintable(r.err));

    r = cli({"import", "--data-dir", data_, dir_.filePath(QStringLiteral("missing.json"))});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains(QLatin1String("cannot read")));

    const QString blocked = dir_.filePath(QStringLiteral("no/such/dir/out.md"));
    r = cli({"export", "--data-dir", data_, "--all", "--format", "md", "--out", blocked});
    QCOMPARE(r.code, 1);
    QVERIFY(!QFile::exists(blocked));
  }

  void usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("nothing") << QStringList{};
    QTest::newRow("unknown command") << QStringList{"frobnicate"};
    QTest::newRow("no data dir") << QStringList{"export", "--all", "--format", "md"};
    QTest::newRow("no format") << QStringList{"export", "--data-dir", "x", "--all"};
    QTest::newRow("bad format") << QStringList{"export", "--data-dir", "x",
                                               "--all",  "--format",   "pdf"};
    QTest::newRow("chat and all") << QStringList{"export", "--data-dir", "x",        "--all",
                                                 "--chat", "1",          "--format", "md"};
    QTest::newRow("neither") << QStringList{"export", "--data-dir", "x", "--format", "md"};
    QTest::newRow("bad chat id") << QStringList{"export", "--data-dir", "x", "--chat",
                                                "abc",    "--format",   "md"};
    QTest::newRow("unknown option")
        << QStringList{"export", "--data-dir", "x", "--all", "--format", "md", "--zip", "1"};
    QTest::newRow("missing value") << QStringList{"export", "--data-dir"};
    QTest::newRow("import no file") << QStringList{"import", "--data-dir", "x"};
    QTest::newRow("import two files") << QStringList{"import", "--data-dir", "x", "a", "b"};
  }

  void usageErrors() {
    QFETCH(QStringList, args);
    const Run r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains(QLatin1String("usage:")));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFile::exists(QStringLiteral("x")));  // nothing created for a usage error
  }
};

QTEST_GUILESS_MAIN(TestStorageCli)
#include "tst_storage_cli.moc"
