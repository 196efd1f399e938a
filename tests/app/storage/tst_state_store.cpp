// StateStore: saving files crash-safely, the covered text kept in the row, latest / nearest
// lookups, the disk budget and its LRU eviction, orphan cleanup.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "storage.hpp"
#include "storage_error.hpp"
#include "test_clock.hpp"

using namespace coil::storage;

namespace {

QList<qint64> ids(const QList<Checkpoint>& cs) {
  QList<qint64> out;
  for (const Checkpoint& c : cs) out << c.id;
  return out;
}

QStringList filesIn(const QString& dir) {
  return QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

}  // namespace

class TestStateStore : public QObject {
  Q_OBJECT

  test::FakeClock clock_;
  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<Storage> storage_;
  ChatStore* chats_ = nullptr;
  StateStore* states_ = nullptr;

  void open() {
    storage_.reset();
    storage_ = std::make_unique<Storage>(dir_->path(), StorageOptions{clock_.fn(), true});
    chats_ = &storage_->chats();
    states_ = &storage_->states();
  }

  QString statesDir() const { return QDir(dir_->path()).filePath(QStringLiteral("states")); }

  // A chat of n user/assistant messages; returns their ids.
  QList<qint64> chat(qint64 conv, int n, qint64 parent = 0) {
    QList<qint64> out;
    for (int i = 0; i < n; ++i) {
      parent = chats_->addMessage(conv, parent,
                                  i % 2 ? QStringLiteral("assistant") : QStringLiteral("user"),
                                  QStringLiteral("m%1").arg(i));
      out << parent;
    }
    return out;
  }

  Checkpoint save(qint64 conv, qint64 msg, qint64 bytes, quint64 fingerprint = 7,
                  bool latest = true) {
    StateInfo info;
    info.conversationId = conv;
    info.messageId = msg;
    info.tokenCount = msg * 10;
    info.tokenHash = 0x8000000000000000ull | quint64(msg);
    info.modelFingerprint = fingerprint;
    info.makeLatest = latest;
    return states_->save(info, QByteArray(bytes, char('a' + msg % 26)));
  }

 private slots:
  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(dir_->isValid());
    open();
  }
  void cleanup() {
    storage_.reset();
    dir_.reset();
  }

  void savesFileAndRow() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 2);
    const Checkpoint cp = save(c, m[1], 1000, Q_UINT64_C(0xffffffffffffffff));
    QVERIFY(cp.id > 0);
    QVERIFY(cp.file.startsWith(QLatin1String("states/")));
    QVERIFY(cp.isLatest);
    QCOMPARE(cp.bytes, 1000);
    QCOMPARE(cp.tokenHash, 0x8000000000000000ull | quint64(m[1]));
    QCOMPARE(cp.modelFingerprint, Q_UINT64_C(0xffffffffffffffff));
    QCOMPARE(*states_->checkpoint(cp.id), cp);
    QCOMPARE(QFileInfo(states_->absolutePath(cp)).size(), 1000);
    QCOMPARE(states_->read(cp), QByteArray(1000, char('a' + m[1] % 26)));
    QCOMPARE(filesIn(statesDir()).size(), 1);  // no temporary left behind
  }

  void latestFollowsTheLastSave() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 4);
    const Checkpoint a = save(c, m[1], 10);
    const Checkpoint b = save(c, m[3], 10);
    QCOMPARE(states_->latest(c)->id, b.id);
    QVERIFY(!states_->checkpoint(a.id)->isLatest);
    QCOMPARE(states_->latest(c, 7)->id, b.id);
    QCOMPARE(states_->latest(c, 8), std::nullopt);        // another model
    const Checkpoint side = save(c, m[2], 10, 7, false);  // a per-turn checkpoint only
    QVERIFY(!side.isLatest);
    QCOMPARE(states_->latest(c)->id, b.id);
    QCOMPARE(ids(states_->checkpoints(c)), (QList<qint64>{a.id, b.id, side.id}));
    QCOMPARE(states_->latest(chats_->createConversation()), std::nullopt);
  }

  void savingTheSameMessageAgainReplaces() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 2);
    const Checkpoint first = save(c, m[1], 10);
    const Checkpoint second = save(c, m[1], 20);
    QCOMPARE(ids(states_->checkpoints(c)), (QList<qint64>{second.id}));
    QVERIFY(!QFile::exists(states_->absolutePath(first)));
    const Checkpoint other = save(c, m[1], 30, 99);  // another model: kept side by side
    QCOMPARE(states_->checkpoints(c).size(), 2);
    QCOMPARE(states_->latest(c)->id, other.id);
  }

  void nearestCheckpointOnThePath() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 6);        // u0 a1 u2 a3 u4 a5
    const Checkpoint before = save(c, 0, 10);  // system prompt only
    const Checkpoint at1 = save(c, m[1], 10);
    const Checkpoint at3 = save(c, m[3], 10, 99);
    QCOMPARE(states_->nearestAtOrBefore(c, m[5])->id, at3.id);
    QCOMPARE(states_->nearestAtOrBefore(c, m[3])->id, at3.id);  // at, inclusive
    QCOMPARE(states_->nearestAtOrBefore(c, m[2])->id, at1.id);
    QCOMPARE(states_->nearestAtOrBefore(c, m[0])->id, before.id);
    QCOMPARE(states_->nearestAtOrBefore(c, m[5], 7)->id, at1.id);  // model filter
    QCOMPARE(states_->nearestAtOrBefore(c, m[5], 12345), std::nullopt);
  }

  void nearestIgnoresOtherBranches() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 4);  // u0 a1 u2 a3
    const Checkpoint onMain = save(c, m[1], 10);
    save(c, m[3], 10);
    // Edit u2: the new branch shares u0 a1 only.
    const qint64 edited = chats_->editMessage(m[2], QStringLiteral("edited"));
    QCOMPARE(states_->nearestAtOrBefore(c, edited)->id, onMain.id);
    // Another chat's checkpoints are never returned.
    const qint64 other = chats_->createConversation();
    const QList<qint64> om = chat(other, 1);
    QCOMPARE(states_->nearestAtOrBefore(other, om[0]), std::nullopt);
    QCOMPARE(states_->nearestAtOrBefore(other, m[3]), std::nullopt);
  }

  void rejectsUnknownChatsWithoutLeavingFiles() {
    StateInfo info;
    info.conversationId = 4242;
    QVERIFY_THROWS_EXCEPTION(StorageError, states_->save(info, QByteArray(10, 'x')));
    const qint64 c1 = chats_->createConversation();
    const qint64 c2 = chats_->createConversation();
    info.conversationId = c1;
    info.messageId = chat(c2, 1)[0];
    QVERIFY_THROWS_EXCEPTION(StorageError, states_->save(info, QByteArray(10, 'x')));
    QVERIFY(filesIn(statesDir()).isEmpty());
  }

  void discardAndMarkUsed() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 2);
    const Checkpoint cp = save(c, m[1], 10);
    states_->markUsed(cp.id);
    QVERIFY(states_->checkpoint(cp.id)->lastUsedAt > cp.lastUsedAt);
    states_->discard(cp.id);
    QCOMPARE(states_->checkpoint(cp.id), std::nullopt);
    QCOMPARE(states_->latest(c), std::nullopt);
    QVERIFY(!QFile::exists(states_->absolutePath(cp)));
    states_->discard(cp.id);  // no-op
  }

  void coveredTextIsStoredWithTheRow() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 4);
    StateInfo info;
    info.conversationId = c;
    info.messageId = m[1];
    info.coveredText = QByteArray("<s>user: hi\n\xe2\x82");  // bytes, not characters
    const Checkpoint withText = states_->save(info, QByteArray(40, 't'));
    StoredState stored = states_->load(withText);
    QCOMPARE(stored.bytes, QByteArray(40, 't'));
    QCOMPARE(stored.coveredText, info.coveredText);

    info.messageId = m[3];
    info.coveredText = QByteArray("");  // empty, not missing
    const Checkpoint empty = states_->save(info, QByteArray(10, 'e'));
    QVERIFY(states_->load(empty).coveredText.has_value());
    QVERIFY(states_->load(empty).coveredText->isEmpty());

    const Checkpoint without = save(c, m[2], 10);
    QVERIFY(!states_->load(without).coveredText);

    // Saving the same message again replaces the text with the row.
    info.messageId = m[1];
    info.coveredText = QByteArray("replaced");
    const Checkpoint again = states_->save(info, QByteArray(20, 'r'));
    QCOMPARE(states_->load(again).coveredText, info.coveredText);
    // A checkpoint no longer recorded cannot be loaded, even if asked by an old value.
    try {
      states_->load(withText);
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QCOMPARE(e.kind(), StorageError::Kind::NotFound);
    }
    // The text survives closing and opening the folder.
    open();
    QCOMPARE(states_->load(*states_->checkpoint(again.id)).coveredText, info.coveredText);
  }

  void readDetectsAWrongSize() {
    const qint64 c = chats_->createConversation();
    const Checkpoint cp = save(c, chat(c, 1)[0], 100);
    QFile f(states_->absolutePath(cp));
    QVERIFY(f.resize(50));
    QVERIFY_THROWS_EXCEPTION(StorageError, states_->read(cp));
  }

  void usageAndBudgetArePersisted() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 4);
    QCOMPARE(states_->budgetBytes(), StateStore::kDefaultBudgetBytes);
    save(c, m[1], 100, 7, false);
    save(c, m[3], 300);
    const StateUsage u = states_->usage();
    QCOMPARE(u.totalBytes, 400);
    QCOMPARE(u.latestBytes, 300);
    QCOMPARE(u.checkpointBytes, 100);
    QCOMPARE(u.latestCount, 1);
    QCOMPARE(u.checkpointCount, 1);
    QCOMPARE(states_->bytesOfConversation(c), 400);
    states_->setBudgetBytes(12345678);
    open();
    QCOMPARE(states_->budgetBytes(), 12345678);
    QCOMPARE(states_->usage().budgetBytes, 12345678);
    QVERIFY_THROWS_EXCEPTION(StorageError, states_->setBudgetBytes(-1));
  }

  void evictsLeastRecentlyUsedChatsOlderCheckpointsFirst() {
    states_->setBudgetBytes(1'000'000);
    const qint64 a = chats_->createConversation(QStringLiteral("a"));
    const qint64 b = chats_->createConversation(QStringLiteral("b"));
    const QList<qint64> ma = chat(a, 6);
    const QList<qint64> mb = chat(b, 6);
    const Checkpoint a1 = save(a, ma[1], 100);
    const Checkpoint a3 = save(a, ma[3], 100);
    const Checkpoint a5 = save(a, ma[5], 100);  // latest of a
    const Checkpoint b1 = save(b, mb[1], 100);
    const Checkpoint b3 = save(b, mb[3], 100);
    const Checkpoint b5 = save(b, mb[5], 100);  // latest of b; b used after a
    QCOMPARE(states_->usage().totalBytes, 600);

    states_->setBudgetBytes(500);  // one must go: the oldest of the least recent chat
    QCOMPARE(ids(states_->checkpoints(a)), (QList<qint64>{a3.id, a5.id}));
    QVERIFY(!QFile::exists(states_->absolutePath(a1)));

    states_->markUsed(a3.id);  // now a is the most recently used chat
    states_->setBudgetBytes(300);
    QCOMPARE(ids(states_->checkpoints(b)), (QList<qint64>{b5.id}));
    QCOMPARE(ids(states_->checkpoints(a)), (QList<qint64>{a3.id, a5.id}));

    states_->setBudgetBytes(0);  // the latest states always stay
    QCOMPARE(ids(states_->checkpoints(a)), (QList<qint64>{a5.id}));
    QCOMPARE(ids(states_->checkpoints(b)), (QList<qint64>{b5.id}));
    QCOMPARE(states_->usage().totalBytes, 200);
    QCOMPARE(states_->usage().checkpointCount, 0);
    QCOMPARE(filesIn(statesDir()).size(), 2);
    Q_UNUSED(b1);
    Q_UNUSED(b3);
  }

  void savingEvictsToo() {
    states_->setBudgetBytes(250);
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 6);
    const Checkpoint c1 = save(c, m[1], 100);
    const Checkpoint c3 = save(c, m[3], 100);
    QCOMPARE(states_->checkpoints(c).size(), 2);
    const Checkpoint c5 = save(c, m[5], 100);
    QCOMPARE(ids(states_->checkpoints(c)), (QList<qint64>{c3.id, c5.id}));
    QCOMPARE(states_->evictToBudget(), 0);
    Q_UNUSED(c1);
  }

  void cleansOrphansAtOpen() {
    const qint64 c = chats_->createConversation();
    const QList<qint64> m = chat(c, 6);
    const Checkpoint good = save(c, m[1], 100, 7, false);
    const Checkpoint missing = save(c, m[3], 100, 7, false);
    const Checkpoint truncated = save(c, m[5], 100);
    QVERIFY(QFile::remove(states_->absolutePath(missing)));
    QVERIFY(QFile(states_->absolutePath(truncated)).resize(60));
    for (const char* name : {"stray.coilstate", "c1-m2-abc.coilstate.tmp-123-ff"}) {
      QFile f(QDir(statesDir()).filePath(QLatin1String(name)));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("junk");
    }
    open();
    QCOMPARE(storage_->openReport().rowsRemoved, 2);
    QCOMPARE(storage_->openReport().filesRemoved, 3);  // 2 strays + the truncated file
    QCOMPARE(ids(states_->checkpoints(c)), (QList<qint64>{good.id}));
    QCOMPARE(filesIn(statesDir()), QStringList{QFileInfo(good.file).fileName()});
    QCOMPARE(states_->latest(c), std::nullopt);  // the truncated latest is not used
    QCOMPARE(states_->nearestAtOrBefore(c, m[5])->id, good.id);
    open();
    QCOMPARE(storage_->openReport().rowsRemoved, 0);
    QCOMPARE(storage_->openReport().filesRemoved, 0);
  }

  void inMemoryStorageCannotSaveStates() {
    auto mem = Storage::inMemory();
    const qint64 c = mem->chats().createConversation();
    StateInfo info;
    info.conversationId = c;
    QVERIFY_THROWS_EXCEPTION(StorageError, mem->states().save(info, QByteArray(1, 'x')));
  }
};

QTEST_GUILESS_MAIN(TestStateStore)
#include "tst_state_store.moc"
