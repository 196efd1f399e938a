// Settings' "Delete quantized copies" (App.settings.deleteQuantizedCopies): the copies in
// <data>/quantized are GB-sized files, deleted on a worker while the GUI thread's event loop
// keeps turning (#15 item 5: no large file I/O on the GUI thread).
#include <QAtomicInt>
#include <QDir>
#include <QFile>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include "app_settings.hpp"

using namespace coil::app;

class TestQuantizedCopies : public QObject {
  Q_OBJECT

  // A file named like a quantized copy: <16 hex>-<16 hex>.<type>.gguf.
  static void makeCopy(const QString& dir, const QString& name) {
    QFile f(QDir(dir).filePath(name));
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(QByteArray(4096, 'q')), qint64(4096));
  }

 private slots:
  void copiesAreDeletedOffTheGuiThread() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    AppSettings settings(dir.path());
    const QString copies = settings.quantizedCopiesDir();
    QVERIFY(QDir().mkpath(copies));
    makeCopy(copies, QStringLiteral("0123456789abcdef-0123456789abcdef.q8_0.gguf"));
    makeCopy(copies, QStringLiteral("fedcba9876543210-0123456789abcdef.q4_k.gguf"));
    makeCopy(copies, QStringLiteral("notes.txt"));  // not a copy: stays
    QVERIFY2(settings.quantizedCopiesText().contains(QStringLiteral("2 files")),
             qPrintable(settings.quantizedCopiesText()));

    QSemaphore release;
    QAtomicInt entered = 0, offGui = 0;
    QThread* gui = QThread::currentThread();
    AppSettings::setQuantizedDeleteHookForTests([&] {
      entered.fetchAndAddOrdered(1);
      if (QThread::currentThread() != gui) offGui.fetchAndAddOrdered(1);
      release.tryAcquire(1, 20000);  // on the GUI thread this holds the test 20 s, then fails
    });
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();
    QSignalSpy changed(&settings, &AppSettings::quantizedCopiesChanged);

    settings.deleteQuantizedCopies();
    QTRY_VERIFY_WITH_TIMEOUT(entered.loadAcquire() == 1, 10000);
    const int ticksHeld = ticks;
    QTRY_VERIFY_WITH_TIMEOUT(ticks > ticksHeld + 10, 10000);  // the event loop turns meanwhile
    QCOMPARE(offGui.loadAcquire(), 1);
    QCOMPARE(changed.count(), 0);  // nothing deleted yet
    QCOMPARE(QDir(copies).entryList(QDir::Files).size(), 3);

    release.release();
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() == 1, 20000);
    ticker.stop();
    AppSettings::setQuantizedDeleteHookForTests({});
    QCOMPARE(settings.quantizedCopiesText(), QString());
    QCOMPARE(QDir(copies).entryList(QDir::Files), QStringList{QStringLiteral("notes.txt")});
  }

  // Closing the app (AppSettings destroyed) while copies are being deleted waits for the worker.
  void destroyedWhileDeletingWaits() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString copies;
    {
      AppSettings settings(dir.path());
      copies = settings.quantizedCopiesDir();
      QVERIFY(QDir().mkpath(copies));
      makeCopy(copies, QStringLiteral("0123456789abcdef-0123456789abcdef.q8_0.gguf"));
      QAtomicInt entered = 0;
      AppSettings::setQuantizedDeleteHookForTests([&] {
        entered.fetchAndAddOrdered(1);
        QThread::msleep(100);
      });
      settings.deleteQuantizedCopies();
      QTRY_VERIFY_WITH_TIMEOUT(entered.loadAcquire() == 1, 10000);
    }
    AppSettings::setQuantizedDeleteHookForTests({});
    QCOMPARE(QDir(copies).entryList(QDir::Files).size(), 0);
  }
};

QTEST_GUILESS_MAIN(TestQuantizedCopies)
#include "tst_quantized_copies.moc"
