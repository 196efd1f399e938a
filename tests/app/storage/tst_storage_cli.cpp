// storage_cli_main: `export` and `import` on a real data folder, usage errors and failures.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
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
    QCOMPARE(r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 2);
    const QString again = dir_.filePath(QStringLiteral("again.json"));
    QCOMPARE(
        cli({"export", "--data-dir", other_, "--all", "--format", "json", "--out", again}).code, 0);
    QCOMPARE(readFile(again), readFile(file));
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
