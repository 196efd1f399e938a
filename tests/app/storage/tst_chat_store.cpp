// ChatStore: conversations (list order, settings, delete cascade) and the message tree
// (children, siblings, active branch, edit, regenerate).
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "migrations.hpp"
#include "storage.hpp"
#include "storage_error.hpp"
#include "test_clock.hpp"
#include "transaction.hpp"

using namespace coil::storage;

namespace {

QList<qint64> ids(const QList<Message>& ms) {
  QList<qint64> out;
  for (const Message& m : ms) out << m.id;
  return out;
}

QList<qint64> ids(const QList<Conversation>& cs) {
  QList<qint64> out;
  for (const Conversation& c : cs) out << c.id;
  return out;
}

const QString kUser = QStringLiteral("user");
const QString kAssistant = QStringLiteral("assistant");

}  // namespace

class TestChatStore : public QObject {
  Q_OBJECT

  test::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  ChatStore* chats_ = nullptr;

 private slots:
  void init() {
    storage_ = Storage::inMemory(clock_.fn());
    chats_ = &storage_->chats();
  }

  void createsAndReadsConversations() {
    const qint64 id = chats_->createConversation(QStringLiteral("First"));
    const auto c = chats_->conversation(id);
    QVERIFY(c);
    QCOMPARE(c->title, QStringLiteral("First"));
    QVERIFY(!c->pinned);
    QVERIFY(c->createdAt > 0);
    QCOMPARE(c->updatedAt, c->createdAt);
    QCOMPARE(c->lastOpenedAt, std::nullopt);
    QCOMPARE(c->activeLeafId, 0);
    QCOMPARE(chats_->conversation(id + 100), std::nullopt);
  }

  void listsPinnedFirstThenMostRecent() {
    const qint64 a = chats_->createConversation(QStringLiteral("a"));
    const qint64 b = chats_->createConversation(QStringLiteral("b"));
    const qint64 c = chats_->createConversation(QStringLiteral("c"));
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{c, b, a}));
    chats_->addMessage(a, 0, kUser, QStringLiteral("bump"));  // a becomes most recent
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{a, c, b}));
    chats_->setPinned(b, true);
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{b, a, c}));
    chats_->setPinned(c, true);
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{c, b, a}));
    chats_->rename(a, QStringLiteral("renamed"));  // renaming is not activity
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{c, b, a}));
    QCOMPARE(chats_->conversation(a)->title, QStringLiteral("renamed"));
    chats_->setPinned(c, false);
    QCOMPARE(ids(chats_->conversations()), (QList<qint64>{b, a, c}));
  }

  void storesChatSettings() {
    const qint64 id = chats_->createConversation();
    chats_->setModel(id, QStringLiteral("tiiuae/falcon-mamba-7b-instruct"), QStringLiteral("/m"));
    chats_->setSystemPrompt(id, QStringLiteral("You are terse."));
    const QJsonObject sampling{{QLatin1String("temperature"), 0.7},
                               {QLatin1String("top_k"), 40},
                               {QLatin1String("seed"), 1234}};
    chats_->setSampling(id, sampling);
    chats_->markOpened(id);
    const Conversation c = *chats_->conversation(id);
    QCOMPARE(c.modelId, QStringLiteral("tiiuae/falcon-mamba-7b-instruct"));
    QCOMPARE(c.modelPath, QStringLiteral("/m"));
    QCOMPARE(c.systemPrompt, QStringLiteral("You are terse."));
    QCOMPARE(c.sampling, sampling);
    QVERIFY(c.lastOpenedAt && *c.lastOpenedAt > c.createdAt);
    chats_->setSampling(id, {});
    QCOMPARE(chats_->conversation(id)->sampling, QJsonObject());
    QCOMPARE(c.remoteUrl, QString());
    // a remote model replaces the local one, and a local one the remote one
    chats_->setRemoteModel(id, QStringLiteral("falcon"), QStringLiteral("http://h:8080/v1"));
    Conversation r = *chats_->conversation(id);
    QCOMPARE(r.modelId, QStringLiteral("falcon"));
    QCOMPARE(r.modelPath, QString());
    QCOMPARE(r.remoteUrl, QStringLiteral("http://h:8080/v1"));
    chats_->setModel(id, QStringLiteral("local"), QStringLiteral("/m2"));
    r = *chats_->conversation(id);
    QCOMPARE(r.modelPath, QStringLiteral("/m2"));
    QCOMPARE(r.remoteUrl, QString());
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->setRemoteModel(999, "x", "http://h/v1"));
  }

  void unknownConversationIsAnError() {
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->rename(999, QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->setPinned(999, true));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->deleteConversation(999));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->addMessage(999, 0, kUser, QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->activePath(999));
  }

  void buildsATreeWithBranches() {
    const qint64 c = chats_->createConversation();
    const qint64 u1 = chats_->addMessage(c, 0, kUser, QStringLiteral("Q1"));
    const qint64 a1 = chats_->addMessage(c, u1, kAssistant, QStringLiteral("A1"));
    const qint64 u2 = chats_->addMessage(c, a1, kUser, QStringLiteral("Q2"));
    const qint64 a2 = chats_->addMessage(c, u2, kAssistant, QStringLiteral("A2"));
    QCOMPARE(chats_->conversation(c)->activeLeafId, a2);
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1, a1, u2, a2}));
    QCOMPARE(ids(chats_->messages(c)), (QList<qint64>{u1, a1, u2, a2}));

    // Regenerate A1: a sibling, made active; the old branch is kept.
    const qint64 a1b = chats_->regenerate(a1, QStringLiteral("A1 again"));
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1, a1b}));
    QCOMPARE(ids(chats_->children(c, u1)), (QList<qint64>{a1, a1b}));
    const SiblingInfo s = chats_->siblings(a1b);
    QCOMPARE(s.index, 1);
    QCOMPARE(s.count, 2);
    QCOMPARE(s.ids, (QList<qint64>{a1, a1b}));
    QCOMPARE(chats_->siblings(a1).index, 0);
    QCOMPARE(chats_->siblings(u2).count, 1);

    // Edit Q1: a root-level sibling.
    const qint64 u1b = chats_->editMessage(u1, QStringLiteral("Q1 edited"));
    QCOMPARE(chats_->message(u1b)->parentId, 0);
    QCOMPARE(ids(chats_->children(c, 0)), (QList<qint64>{u1, u1b}));
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1b}));
    QCOMPARE(chats_->siblings(u1b).count, 2);

    // < 1/2 >: back to the first question follows the newest answer under it.
    QCOMPARE(chats_->switchToSibling(u1b, -1), u1);
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1, a1b}));
    QCOMPARE(chats_->switchToSibling(a1b, -1), a1);
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1, a1, u2, a2}));
    QCOMPARE(chats_->switchToSibling(a1, -5), a1);  // clamped
    QCOMPARE(chats_->switchToSibling(a1, +5), a1b);
    QCOMPARE(chats_->newestLeafUnder(u1), a1b);
    QCOMPARE(chats_->newestLeafUnder(a1), a2);
    QCOMPARE(chats_->newestLeafUnder(a2), a2);

    chats_->setActiveLeaf(c, u2);  // a path may end on an inner message
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u1, a1, u2}));
    QCOMPARE(ids(chats_->pathTo(a2)), (QList<qint64>{u1, a1, u2, a2}));
    QCOMPARE(ids(chats_->children(c, a2)), QList<qint64>());
  }

  void editAndRegenerateCheckTheRole() {
    const qint64 c = chats_->createConversation();
    const qint64 u = chats_->addMessage(c, 0, kUser, QStringLiteral("Q"));
    const qint64 a = chats_->addMessage(c, u, kAssistant, QStringLiteral("A"));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->editMessage(a, QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->regenerate(u, QStringLiteral("x")));
    QCOMPARE(chats_->messages(c).size(), 2);
  }

  void rejectsBadParentsAndRoles() {
    const qint64 c1 = chats_->createConversation();
    const qint64 c2 = chats_->createConversation();
    const qint64 u = chats_->addMessage(c1, 0, kUser, QStringLiteral("Q"));
    QVERIFY_THROWS_EXCEPTION(StorageError,
                             chats_->addMessage(c2, u, kAssistant, QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(StorageError,
                             chats_->addMessage(c1, 12345, kUser, QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(
        StorageError, chats_->addMessage(c1, u, QStringLiteral("robot"), QStringLiteral("x")));
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->setActiveLeaf(c2, u));
    QCOMPARE(chats_->messages(c2).size(), 0);
    QCOMPARE(chats_->conversation(c1)->activeLeafId, u);
  }

  void addWithoutActivatingKeepsTheBranch() {
    const qint64 c = chats_->createConversation();
    const qint64 u = chats_->addMessage(c, 0, kUser, QStringLiteral("Q"));
    chats_->addMessage(c, u, kAssistant, QStringLiteral("draft"), {}, false);
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u}));
  }

  void withoutAnActiveLeafThePathFollowsTheNewest() {
    const qint64 c = chats_->createConversation();
    QVERIFY(chats_->activePath(c).isEmpty());
    const qint64 u = chats_->addMessage(c, 0, kUser, QStringLiteral("Q"), {}, false);
    const qint64 a = chats_->addMessage(c, u, kAssistant, QStringLiteral("A"), {}, false);
    QCOMPARE(ids(chats_->activePath(c)), (QList<qint64>{u, a}));
  }

  void metadataRoundTrips() {
    const qint64 c = chats_->createConversation();
    const qint64 u = chats_->addMessage(c, 0, kUser, QStringLiteral("Q"));
    MessageMeta meta;
    meta.model = QStringLiteral("falcon-mamba");
    meta.sampling = {{QLatin1String("temperature"), 0.25}};
    meta.seed = Q_INT64_C(-9007199254740993);
    meta.promptTokens = 12;
    meta.completionTokens = 34;
    meta.prefillTokensPerS = 1234.5;
    meta.decodeTokensPerS = 56.125;
    meta.finishReason = QStringLiteral("stop");
    const qint64 a = chats_->addMessage(c, u, kAssistant, QStringLiteral("A"), meta);
    QCOMPARE(chats_->message(a)->meta, meta);
    QCOMPARE(chats_->message(u)->meta, MessageMeta());

    // A streamed answer is finished in place.
    MessageMeta done = meta;
    done.finishReason = QStringLiteral("length");
    done.completionTokens = 99;
    chats_->updateMessage(a, QStringLiteral("A, complete"), done);
    QCOMPARE(chats_->message(a)->content, QStringLiteral("A, complete"));
    QCOMPARE(chats_->message(a)->meta, done);
    QVERIFY_THROWS_EXCEPTION(StorageError, chats_->updateMessage(999, QString(), {}));
  }

  void deleteCascadesToMessagesCheckpointsAndFiles() {
    QTemporaryDir dir;
    Storage storage(dir.path(), {clock_.fn(), true});
    ChatStore& chats = storage.chats();
    const qint64 keep = chats.createConversation(QStringLiteral("keep"));
    const qint64 gone = chats.createConversation(QStringLiteral("gone"));
    const qint64 km = chats.addMessage(keep, 0, kUser, QStringLiteral("stays"));
    qint64 parent = 0;
    for (int i = 0; i < 6; ++i)
      parent =
          chats.addMessage(gone, parent, i % 2 ? kAssistant : kUser, QStringLiteral("m%1").arg(i));
    StateInfo info;
    info.conversationId = gone;
    info.messageId = parent;
    const Checkpoint cp = storage.states().save(info, QByteArray(64, 'x'));
    info.messageId = chats.message(parent)->parentId;
    const Checkpoint cp2 = storage.states().save(info, QByteArray(64, 'y'));
    info.conversationId = keep;
    info.messageId = km;
    const Checkpoint kept = storage.states().save(info, QByteArray(64, 'z'));
    QVERIFY(QFile::exists(storage.states().absolutePath(cp)));

    chats.deleteConversation(gone);
    QCOMPARE(chats.conversation(gone), std::nullopt);
    QCOMPARE(chats.messages(gone).size(), 0);
    QCOMPARE(storage.states().checkpoints(gone).size(), 0);
    QVERIFY(!QFile::exists(storage.states().absolutePath(cp)));
    QVERIFY(!QFile::exists(storage.states().absolutePath(cp2)));
    QVERIFY(chats.search(QStringLiteral("m3")).isEmpty());
    QCOMPARE(ids(chats.conversations()), (QList<qint64>{keep}));
    QCOMPARE(ids(chats.messages(keep)), (QList<qint64>{km}));
    QVERIFY(QFile::exists(storage.states().absolutePath(kept)));
    QVERIFY(storage.db().foreignKeyCheck().isEmpty());
  }

  void deletesAndWalksVeryLongChats() {
    const qint64 c = chats_->createConversation();
    qint64 parent = 0;
    const int n = 3000;  // deeper than SQLite's trigger/recursion limits
    {
      Transaction tx(storage_->db());
      for (int i = 0; i < n; ++i)
        parent = chats_->addMessage(c, parent, i % 2 ? kAssistant : kUser, QString::number(i));
      tx.commit();
    }
    QCOMPARE(chats_->activePath(c).size(), n);
    QCOMPARE(chats_->pathTo(parent).first().content, QStringLiteral("0"));
    chats_->deleteConversation(c);
    QCOMPARE(storage_->db().queryInt("SELECT COUNT(*) FROM messages", -1), 0);
  }

  void operationsAreAtomicInsideAnOuterTransaction() {
    const qint64 c = chats_->createConversation();
    {
      Transaction tx(storage_->db());
      chats_->addMessage(c, 0, kUser, QStringLiteral("rolled back"));
    }
    QCOMPARE(chats_->messages(c).size(), 0);
    QCOMPARE(chats_->conversation(c)->activeLeafId, 0);
  }
};

QTEST_GUILESS_MAIN(TestChatStore)
#include "tst_chat_store.moc"
