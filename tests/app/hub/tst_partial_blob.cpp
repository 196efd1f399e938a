// PartialBlob: the partial file of a download, its running sha256 (also across a restart,
// from what an earlier run left), truncation when a server starts over, discarding, and the
// move into blobs/<etag>; the PrefixHasher that re-hashes what an earlier run left on a
// worker thread while the event loop keeps turning.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "background_removal.hpp"
#include "partial_blob.hpp"
#include "prefix_hasher.hpp"

using namespace coil::hub;

namespace {

const QString kRepo = QStringLiteral("coil-test/tiny-mamba");
const QString kEtag = QStringLiteral("0123abcd");

QString sha256(const QByteArray& data) {
  return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

}  // namespace

class TstPartialBlob : public QObject {
  Q_OBJECT

 private slots:
  void appendsHashesAndPromotes() {
    QTemporaryDir cache;
    const RepoCache layout(cache.path(), kRepo);
    PartialBlob blob(layout);
    blob.attach(kEtag);
    QString why;
    bool full = false;
    QVERIFY2(blob.open(-1, true, &why), qPrintable(why));
    QVERIFY(blob.append("hello ", &why, &full));
    QVERIFY(blob.append("world", &why, &full));
    QCOMPARE(blob.bytes(), qint64(11));
    QCOMPARE(blob.sha256(), sha256("hello world"));
    QCOMPARE(blob.path(), layout.incompletePath(kEtag));
    QVERIFY2(blob.promote(&why), qPrintable(why));
    QVERIFY(!QFileInfo::exists(layout.incompletePath(kEtag)));
    QFile done(layout.blobPath(kEtag));
    QVERIFY(done.open(QIODevice::ReadOnly));
    QCOMPARE(done.readAll(), QByteArray("hello world"));
  }

  // A later run (a new PartialBlob) continues the file and its digest from the bytes left.
  void continuesWhatAnEarlierRunLeft() {
    QTemporaryDir cache;
    const RepoCache layout(cache.path(), kRepo);
    QString why;
    bool full = false;
    {
      PartialBlob first(layout);
      first.attach(kEtag);
      QVERIFY(first.open(20, true, &why));
      QVERIFY(first.append("0123456789", &why, &full));
    }
    PartialBlob second(layout);
    second.attach(kEtag);
    QVERIFY(second.open(20, true, &why));  // reads nothing: the digest is computed elsewhere
    QCOMPARE(second.bytes(), qint64(10));
    QCOMPARE(second.unhashedBytes(), qint64(10));
    PrefixHasher hasher;
    QSignalSpy done(&hasher, &PrefixHasher::finished);
    hasher.start(second.path(), second.unhashedBytes());
    QVERIFY(done.wait(10000));
    second.adoptDigest(hasher.takeHash(), 10);
    QCOMPARE(second.unhashedBytes(), qint64(0));
    QVERIFY(second.append("abcdefghij", &why, &full));
    QCOMPARE(second.sha256(), sha256("0123456789abcdefghij"));
  }

  // A partial file longer than the file is not this file's: it starts over.
  void aPartialLongerThanTheFileStartsOver() {
    QTemporaryDir cache;
    const RepoCache layout(cache.path(), kRepo);
    QString why;
    bool full = false;
    {
      PartialBlob stale(layout);
      stale.attach(kEtag);
      QVERIFY(stale.open(-1, true, &why));
      QVERIFY(stale.append(QByteArray(50, 'x'), &why, &full));
    }
    PartialBlob blob(layout);
    blob.attach(kEtag);
    QVERIFY(blob.open(20, true, &why));
    QCOMPARE(blob.bytes(), qint64(0));
    QVERIFY(blob.append("fresh", &why, &full));
    QCOMPARE(blob.sha256(), sha256("fresh"));
  }

  // A digest of a file that changed while it was read is not taken.
  void aStaleDigestIsRefused() {
    QTemporaryDir cache;
    const RepoCache layout(cache.path(), kRepo);
    QString why;
    bool full = false;
    {
      PartialBlob first(layout);
      first.attach(kEtag);
      QVERIFY(first.open(-1, true, &why));
      QVERIFY(first.append("0123456789", &why, &full));
    }
    PartialBlob second(layout);
    second.attach(kEtag);
    QVERIFY(second.open(-1, true, &why));
    auto hash = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
    hash->addData("01234");
    second.adoptDigest(std::move(hash), 5);  // covers 5 of the 10 bytes
    QCOMPARE(second.unhashedBytes(), qint64(10));
  }

  // The re-hash of a large partial (a resumed 14.5 GB download) runs on a worker: the event
  // loop of the thread that started it keeps turning (a 0 ms timer keeps firing) between
  // the first and the last progress report, and the reports climb to the total.
  void hashingLeavesTheEventLoopFree() {
    QTemporaryDir dir;
    const QString path = dir.filePath("big.incomplete");
    constexpr qint64 kSize = 96ll << 20;  // sparse: no disk used, but every byte is hashed
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      QVERIFY(f.resize(kSize));
    }
    PrefixHasher hasher;
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    QList<qint64> reports;
    int ticksAtFirst = -1, ticksAtLast = -1;
    connect(&hasher, &PrefixHasher::progress, [&](qint64 done, qint64 total) {
      QCOMPARE(total, kSize);
      if (reports.isEmpty()) ticksAtFirst = ticks;
      reports << done;
      ticksAtLast = ticks;
    });
    QSignalSpy finished(&hasher, &PrefixHasher::finished);
    ticker.start();
    hasher.start(path, kSize);
    QVERIFY(hasher.isRunning());
    QVERIFY(finished.wait(120000));
    ticker.stop();
    QVERIFY2(reports.size() >= 3, qPrintable(QString::number(reports.size())));
    QCOMPARE(reports.first(), qint64(0));
    QCOMPARE(reports.last(), kSize);
    QVERIFY(std::is_sorted(reports.begin(), reports.end()));
    QVERIFY2(ticksAtLast > ticksAtFirst,
             qPrintable(QStringLiteral("%1 -> %2").arg(ticksAtFirst).arg(ticksAtLast)));
    QCOMPARE(QString::fromLatin1(hasher.takeHash()->result().toHex()),
             QStringLiteral("425382d5857f04fc49585cabbdef6fc647472ee26f52c54caaaeaad17320b3f8"));
  }

  // Cancelled (a pause, or the window closing): no result, and the worker is gone.
  void cancelStopsTheWorker() {
    QTemporaryDir dir;
    const QString path = dir.filePath("big.incomplete");
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      QVERIFY(f.resize(256ll << 20));
    }
    PrefixHasher hasher;
    QSignalSpy finished(&hasher, &PrefixHasher::finished);
    QSignalSpy failed(&hasher, &PrefixHasher::failed);
    hasher.start(path, 256ll << 20);
    hasher.cancel();
    QVERIFY(!hasher.isRunning());
    QTest::qWait(50);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(failed.count(), 0);
  }

  // A partial shorter than it was said to be (deleted meanwhile) fails clearly.
  void aShortFileFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath("short.incomplete");
    {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("abc");
    }
    PrefixHasher hasher;
    QSignalSpy failed(&hasher, &PrefixHasher::failed);
    hasher.start(path, 10);
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed[0][0].toString().contains("ended after 3 of 10 bytes"),
             qPrintable(failed[0][0].toString()));
  }

  void truncateAndDiscard() {
    QTemporaryDir cache;
    const RepoCache layout(cache.path(), kRepo);
    PartialBlob blob(layout);
    blob.attach(kEtag);
    QString why;
    bool full = false;
    QVERIFY(blob.open(-1, true, &why));
    QVERIFY(blob.append("the wrong range", &why, &full));
    QVERIFY(blob.truncate(&why));  // the server sends the whole file instead
    QCOMPARE(blob.bytes(), qint64(0));
    QVERIFY(blob.append("all of it", &why, &full));
    QCOMPARE(blob.sha256(), sha256("all of it"));
    QCOMPARE(QFileInfo(layout.incompletePath(kEtag)).size(), qint64(9));
    blob.discard();                                             // cancelled, or a checksum mismatch
    QVERIFY(!QFileInfo::exists(layout.incompletePath(kEtag)));  // at once: renamed away
    QCOMPARE(blob.bytes(), qint64(0));
    waitForBackgroundRemovals();  // deleted on a worker: nothing is left
    QCOMPARE(
        QDir(layout.blobsDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
        QStringList());
  }

  void aFolderThatCannotBeCreatedIsAnError() {
    QTemporaryDir dir;
    QFile blocker(dir.filePath("cache"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));  // a file where the cache folder should be
    blocker.close();
    PartialBlob blob(RepoCache(dir.filePath("cache"), kRepo));
    blob.attach(kEtag);
    QString why;
    QVERIFY(!blob.open(-1, true, &why));
    QVERIFY2(why.startsWith("Could not create"), qPrintable(why));
  }
};

QTEST_GUILESS_MAIN(TstPartialBlob)
#include "tst_partial_blob.moc"
