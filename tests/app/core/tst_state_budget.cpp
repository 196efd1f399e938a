// The checkpoint disk budget set from Settings (App.settings.stateBudgetGB): the new budget
// shows at once, and the checkpoints above it are deleted on a worker (its own database
// connection) while the GUI thread's event loop keeps turning (#15 item 5: no large file I/O
// on the GUI thread).
#include <QAtomicInt>
#include <QDir>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include "app_settings.hpp"
#include "state_store.hpp"
#include "storage.hpp"

using namespace coil::app;
using namespace coil::storage;

class TestStateBudget : public QObject {
  Q_OBJECT

  // Two chats, each with its latest state and one earlier checkpoint of `bytes`.
  static void saveCheckpoints(Storage& storage, qint64 bytes) {
    for (int c = 0; c < 2; ++c) {
      const qint64 conv = storage.chats().createConversation(QStringLiteral("chat %1").arg(c));
      qint64 parent = 0;
      for (int i = 0; i < 2; ++i) {
        parent = storage.chats().addMessage(conv, parent, QStringLiteral("user"),
                                            QStringLiteral("m%1").arg(i));
        StateInfo info;
        info.conversationId = conv;
        info.messageId = parent;
        info.tokenCount = 10 * (i + 1);
        info.tokenHash = 0x8000000000000000ull | quint64(parent);
        info.modelFingerprint = 7;
        info.makeLatest = i == 1;
        storage.states().save(info, QByteArray(bytes, 'x'));
      }
    }
  }

  static int stateFiles(const QString& dataDir) {
    return int(QDir(QDir(dataDir).filePath(QLatin1String(StateStore::kStatesFolder)))
                   .entryList(QDir::Files | QDir::Hidden)
                   .size());
  }

 private slots:
  void budgetIsAppliedOffTheGuiThread() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Storage storage(dir.path());
    saveCheckpoints(storage, 4096);
    QCOMPARE(storage.states().usage().checkpointCount, 2);
    QCOMPARE(stateFiles(dir.path()), 4);

    AppSettings settings(dir.path());
    settings.setStateStore(&storage.states());
    QSemaphore release;
    QAtomicInt entered = 0, offGui = 0;
    QThread* gui = QThread::currentThread();
    AppSettings::setStateBudgetHookForTests([&] {
      entered.fetchAndAddOrdered(1);
      if (QThread::currentThread() != gui) offGui.fetchAndAddOrdered(1);
      release.tryAcquire(1, 20000);  // on the GUI thread this holds the test 20 s, then fails
    });
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();
    QSignalSpy usage(&settings, &AppSettings::stateUsageChanged);
    QSignalSpy failed(&settings, &AppSettings::failed);

    settings.setStateBudgetGB(0);
    // back at once: the budget reads as set, nothing is deleted yet
    QCOMPARE(settings.stateBudgetGB(), 0.0);
    QVERIFY(settings.stateBudgetApplying());
    QCOMPARE(storage.states().usage().checkpointCount, 2);
    QTRY_VERIFY_WITH_TIMEOUT(entered.loadAcquire() == 1, 10000);
    const int ticksHeld = ticks;
    QTRY_VERIFY_WITH_TIMEOUT(ticks > ticksHeld + 10, 10000);  // the event loop turns meanwhile
    QCOMPARE(offGui.loadAcquire(), 1);
    QCOMPARE(stateFiles(dir.path()), 4);

    release.release();
    QTRY_VERIFY_WITH_TIMEOUT(!settings.stateBudgetApplying(), 20000);
    ticker.stop();
    AppSettings::setStateBudgetHookForTests({});
    QVERIFY(!usage.isEmpty());
    QCOMPARE(failed.count(), 0);
    // the earlier checkpoints are gone, rows and files; the latest states stay
    const StateUsage u = storage.states().usage();
    QCOMPARE(u.checkpointCount, 0);
    QCOMPARE(u.latestCount, 2);
    QCOMPARE(stateFiles(dir.path()), 2);
    QCOMPARE(settings.stateBudgetGB(), 0.0);  // stored: read back from the database
    QCOMPARE(storage.states().budgetBytes(), qint64(0));
  }

  // Changes made in a row apply in order: the last one is the budget.
  void theLastOfSeveralChangesWins() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Storage storage(dir.path());
    AppSettings settings(dir.path());
    settings.setStateStore(&storage.states());
    for (double gb : {0.5, 1.5, 0.3, 0.7}) settings.setStateBudgetGB(gb);
    QCOMPARE(settings.stateBudgetGB(), 0.7);
    QTRY_VERIFY_WITH_TIMEOUT(!settings.stateBudgetApplying(), 20000);
    QCOMPARE(storage.states().budgetBytes(), qint64(700'000'000));
    QCOMPARE(settings.stateBudgetGB(), 0.7);
  }
};

QTEST_GUILESS_MAIN(TestStateBudget)
#include "tst_state_budget.moc"
