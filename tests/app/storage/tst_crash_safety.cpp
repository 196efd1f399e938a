// Crash safety, for real: a writer process (storage_crash_writer) adds messages and saves
// state files in a loop and is SIGKILLed at random moments, several times over the same
// data folder. After every kill the database must open, pass integrity_check, contain
// every message the writer reported as committed, and have no state row pointing to a
// missing or partial file. The seed is fixed (COIL_CRASH_SEED overrides it) and printed.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "crash_payload.hpp"
#include "database.hpp"
#include "storage.hpp"

using namespace coil::storage;

namespace {

constexpr int kIterations = 12;
constexpr int kWaitMs = 60'000;  // only a guard against a hung writer, never asserted

struct Reports {
  QHash<qint64, qint64> messages;  // message -> conversation
  QSet<qint64> withState;          // conversations with a saved state
  QSet<qint64> deleting;           // conversations whose deletion began (X)
  int lines = 0;

  void parse(const QByteArray& line) {
    const QList<QByteArray> f = line.trimmed().split(' ');
    if (f.isEmpty()) return;
    ++lines;
    if (f[0] == "M" && f.size() == 3) messages.insert(f[2].toLongLong(), f[1].toLongLong());
    if (f[0] == "S" && f.size() == 3) withState.insert(f[1].toLongLong());
    if (f[0] == "X" && f.size() == 2) deleting.insert(f[1].toLongLong());
  }
};

}  // namespace

class TestCrashSafety : public QObject {
  Q_OBJECT

  // Reads complete lines from the writer until `target` of them arrived.
  static void readLines(QProcess& p, QByteArray& buffer, Reports& r, int target) {
    while (r.lines < target) {
      buffer += p.readAllStandardOutput();
      qsizetype nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const QByteArray line = buffer.left(nl);
        buffer.remove(0, nl + 1);
        if (line != "ready") r.parse(line);
      }
      if (r.lines >= target) return;
      if (p.state() != QProcess::Running || !p.waitForReadyRead(kWaitMs)) {
        buffer += p.readAllStandardOutput();
        if (!buffer.contains('\n'))
          QFAIL(qPrintable(QStringLiteral("the writer stopped: %1")
                               .arg(QString::fromLocal8Bit(p.readAllStandardError()))));
      }
    }
  }

  static void checkFolder(const QString& dataDir, const Reports& r) {
    {
      // Raw open first: no orphan cleanup may hide a bad row.
      Database db(QDir(dataDir).filePath(QLatin1String(Storage::kDatabaseFile)));
      QCOMPARE(db.integrityCheck(), QStringList{QStringLiteral("ok")});
      QVERIFY(db.foreignKeyCheck().isEmpty());
      Statement msg = db.prepare("SELECT conversation_id FROM messages WHERE id = ?");
      for (auto it = r.messages.cbegin(); it != r.messages.cend(); ++it) {
        if (r.deleting.contains(it.value())) continue;
        msg.reset();
        msg.bindAll(it.key());
        QVERIFY2(msg.step(),
                 qPrintable(QStringLiteral("committed message %1 is lost").arg(it.key())));
        QCOMPARE(msg.int64(0), it.value());
      }
      Statement rows =
          db.prepare("SELECT id, file, bytes, token_count, covered_text FROM state_checkpoints");
      int n = 0;
      while (rows.step()) {
        ++n;
        QFile f(QDir(dataDir).filePath(rows.text(1)));
        QVERIFY2(
            f.open(QIODevice::ReadOnly),
            qPrintable(QStringLiteral("row %1: missing %2").arg(rows.int64(0)).arg(rows.text(1))));
        const QByteArray data = f.readAll();
        QCOMPARE(data.size(), rows.int64(2));
        QVERIFY2(test::payloadValid(data),
                 qPrintable(QStringLiteral("partial file ") + f.fileName()));
        // the text was recorded with the row: it is there, and the one of this state
        QVERIFY(!rows.isNull(4));
        QCOMPARE(rows.blob(4), test::coveredTextFor(rows.int64(3)));
      }
      Statement latest = db.prepare(
          "SELECT COUNT(*) FROM state_checkpoints WHERE conversation_id = ? AND is_latest = 1");
      for (qint64 conv : r.withState) {
        if (r.deleting.contains(conv)) continue;
        latest.reset();
        latest.bindAll(conv);
        QVERIFY(latest.step());
        QCOMPARE(latest.int64(0), 1);
      }
      QVERIFY(n > 0 || r.withState.isEmpty());
    }
    // Then the normal open: nothing to repair in the rows, stray files swept away.
    Storage storage(dataDir);
    QCOMPARE(storage.openReport().rowsRemoved, 0);
    QDirIterator it(QDir(dataDir).filePath(QStringLiteral("states")), QDir::Files);
    while (it.hasNext())
      QVERIFY2(!it.next().contains(QLatin1String(".tmp-")), qPrintable(it.filePath()));
  }

 private slots:
  void survivesSigkillAtRandomMoments() {
    const quint32 seed = qEnvironmentVariableIsSet("COIL_CRASH_SEED")
                             ? quint32(qEnvironmentVariableIntValue("COIL_CRASH_SEED"))
                             : 20240611u;
    qInfo("crash seed %u (set COIL_CRASH_SEED to repeat another)", seed);
    QRandomGenerator rng(seed);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Reports reports;
    int totalLines = 0;
    for (int i = 0; i < kIterations; ++i) {
      QProcess writer;
      writer.start(QStringLiteral(COIL_CRASH_WRITER),
                   {dir.path(), QString::number(rng.generate())});
      QVERIFY2(writer.waitForStarted(kWaitMs), qPrintable(writer.errorString()));
      QByteArray buffer;
      reports.lines = 0;
      readLines(writer, buffer, reports, int(rng.bounded(3, 60)));
      if (QTest::currentTestFailed()) return;
      QThread::usleep(rng.bounded(0, 20'000));  // land anywhere inside the next write
      writer.kill();                            // SIGKILL
      QVERIFY(writer.waitForFinished(kWaitMs));
      QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
      buffer += writer.readAllStandardOutput();
      buffer.truncate(buffer.lastIndexOf('\n') + 1);  // a line cut by the kill is no report
      for (const QByteArray& line : buffer.split('\n'))
        if (!line.isEmpty() && line != "ready") reports.parse(line);
      totalLines += reports.lines;
      checkFolder(dir.path(), reports);
      if (QTest::currentTestFailed()) {
        qWarning("failed after kill %d with seed %u", i, seed);
        return;
      }
    }
    qInfo("%d kills, %d reported commits, %lld messages checked", kIterations, totalLines,
          qint64(reports.messages.size()));
    QVERIFY(reports.messages.size() > kIterations);
  }
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crash_safety.moc"
