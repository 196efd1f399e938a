// PartialBlob: the partial file of a download, its running sha256 (also across a restart,
// from what an earlier run left), truncation when a server starts over, discarding, and the
// move into blobs/<etag>.
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "partial_blob.hpp"

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
    QVERIFY(second.open(20, true, &why));
    QCOMPARE(second.bytes(), qint64(10));
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
    blob.discard();  // cancelled, or a checksum mismatch
    QVERIFY(!QFileInfo::exists(layout.incompletePath(kEtag)));
    QCOMPARE(blob.bytes(), qint64(0));
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
