// Schema migrations: a database created at EVERY earlier schema version, filled with the
// SQL of that version, opens with the current code with its data intact and the same
// schema as a fresh database. A v4 data folder's covered/*.txt texts move into the rows;
// chats from before v7 are local chats (no remote endpoint).
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "database.hpp"
#include "migrations.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

using namespace coil::storage;

namespace {

// The text the v4+ latest state covers: exact bytes, including a cut UTF-8 sequence.
const QByteArray kOldText = QByteArray("<|user|>hello zebra\n<|assistant|>caf\xc3");

void writeFile(const QString& path, const QByteArray& data) {
  QVERIFY(QDir().mkpath(QFileInfo(path).path()));
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(data), data.size());
}

// Data written with the SQL each version understood (never with the current API).
void fillAtVersion(Database& db, int version, const QString& dataDir) {
  if (version < 1) return;
  db.exec(R"sql(
    INSERT INTO conversations (id, title, created_at, updated_at, active_leaf_id)
      VALUES (1, 'Old chat', 1000, 2000, 4), (2, 'Second', 1500, 1600, NULL);
    INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at) VALUES
      (1, 1, NULL, 'user', 'hello zebra', 1100),
      (2, 1, 1, 'assistant', 'first answer', 1200),
      (3, 1, 1, 'assistant', 'regenerated answer about giraffes', 1300),
      (4, 1, 3, 'user', 'follow up', 1400),
      (5, 2, NULL, 'user', 'lonely question', 1550);
  )sql");
  if (version >= 2)
    db.exec(R"sql(
      UPDATE conversations SET pinned = 1, model_id = 'tiny', model_path = '/m/tiny',
        system_prompt = 'be brief', sampling_json = '{"temperature":0.5}', last_opened_at = 1700
        WHERE id = 2;
      UPDATE messages SET model = 'tiny', sampling_json = '{"top_k":40}', seed = 7,
        prompt_tokens = 10, completion_tokens = 20, prefill_tps = 100.5, decode_tps = 20.25,
        finish_reason = 'stop' WHERE id = 3;
    )sql");
  if (version >= 4) {
    const QDir dir(dataDir);
    writeFile(dir.filePath(QStringLiteral("states/old.coilstate")), QByteArray(100, 's'));
    writeFile(dir.filePath(QStringLiteral("states/older.coilstate")), QByteArray(50, 'o'));
    db.exec(R"sql(
      INSERT INTO state_checkpoints (conversation_id, message_id, file, bytes, token_count,
        token_hash, model_fingerprint, is_latest, created_at, last_used_at)
        VALUES (1, 3, 'states/old.coilstate', 100, 33, -5, 99, 1, 1350, 1350),
               (1, 1, 'states/older.coilstate', 50, 12, 77, 99, 0, 1150, 1150);
      INSERT INTO settings (key, value) VALUES ('state_budget_bytes', '123456789');
    )sql");
  }
  if (version == 4) {
    // How v4 kept the texts: a file per state, its header binding it to the token hash
    // (-5 = fffffffffffffffb) and count. The second one's header names another hash (a
    // state rewritten after its text), and a third file has no state at all.
    const QDir dir(dataDir);
    writeFile(dir.filePath(QStringLiteral("covered/old.txt")),
              "coil-covered 1 fffffffffffffffb 33\n" + kOldText);
    writeFile(dir.filePath(QStringLiteral("covered/older.txt")),
              "coil-covered 1 0000000000000078 12\nnot the text of this state");
    writeFile(dir.filePath(QStringLiteral("covered/gone.txt")),
              "coil-covered 1 0000000000000001 1\nstray");
  }
  if (version >= 5)
    db.run("UPDATE state_checkpoints SET covered_text = ? WHERE file = 'states/old.coilstate'",
           kOldText);
  if (version >= 7)
    db.exec(R"sql(
      UPDATE conversations SET model_id = 'falcon', model_path = '',
        remote_url = 'http://gpu-box:8080/v1' WHERE id = 1;
    )sql");
}

QStringList schemaOf(Database& db) {
  QStringList sql;
  Statement st = db.prepare(
      "SELECT type || ' ' || name || ': ' || IFNULL(sql, '') FROM sqlite_master "
      "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  while (st.step()) sql << st.text(0);
  return sql;
}

QList<qint64> ids(const QList<Message>& ms) {
  QList<qint64> out;
  for (const Message& m : ms) out << m.id;
  return out;
}

}  // namespace

class TestMigrations : public QObject {
  Q_OBJECT

 private slots:
  void versionsAreNumberedInOrder() {
    int expected = 1;
    for (const Migration& m : migrations()) QCOMPARE(m.version, expected++);
    QCOMPARE(latestSchemaVersion(), expected - 1);
  }

  void freshDatabaseIsAtLatestVersion() {
    Database db(QStringLiteral(":memory:"));
    migrate(db);
    QCOMPARE(db.userVersion(), latestSchemaVersion());
    const QStringList before = schemaOf(db);
    migrate(db);  // idempotent
    QCOMPARE(schemaOf(db), before);
  }

  void upgradesFromEveryEarlierVersion_data() {
    QTest::addColumn<int>("from");
    for (int v = 0; v <= latestSchemaVersion(); ++v) QTest::addRow("from v%d", v) << v;
  }

  void upgradesFromEveryEarlierVersion() {
    QFETCH(int, from);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.filePath(QLatin1String(Storage::kDatabaseFile));
    {
      Database db(dbPath);
      migrate(db, from);
      QCOMPARE(db.userVersion(), from);
      fillAtVersion(db, from, dir.path());
    }
    QStringList freshSchema;
    {
      Database fresh(QStringLiteral(":memory:"));
      migrate(fresh);
      freshSchema = schemaOf(fresh);
    }

    Storage storage(dir.path());
    Database& db = storage.db();
    QCOMPARE(db.userVersion(), latestSchemaVersion());
    QCOMPARE(schemaOf(db), freshSchema);
    QCOMPARE(db.integrityCheck(), QStringList{QStringLiteral("ok")});
    QVERIFY(db.foreignKeyCheck().isEmpty());
    ChatStore& chats = storage.chats();
    if (from == 0) {
      QVERIFY(chats.conversations().isEmpty());
      return;
    }

    // Conversations, their order (pinning exists from v2) and settings.
    const QList<Conversation> list = chats.conversations();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0].id, from >= 2 ? 2 : 1);
    const Conversation second = *chats.conversation(2);
    QCOMPARE(second.title, QStringLiteral("Second"));
    QCOMPARE(second.createdAt, 1500);
    QCOMPARE(second.pinned, from >= 2);
    QCOMPARE(second.systemPrompt, from >= 2 ? QStringLiteral("be brief") : QString());
    QCOMPARE(second.sampling.value(QLatin1String("temperature")).toDouble(), from >= 2 ? 0.5 : 0.0);
    QCOMPARE(second.lastOpenedAt, from >= 2 ? std::optional<qint64>(1700) : std::nullopt);
    // Chats of every version before v7 are local chats; a v7 remote chat keeps its endpoint.
    QCOMPARE(second.remoteUrl, QString());
    QCOMPARE(second.modelPath, from >= 2 ? QStringLiteral("/m/tiny") : QString());
    const Conversation first = *chats.conversation(1);
    QCOMPARE(first.remoteUrl, from >= 7 ? QStringLiteral("http://gpu-box:8080/v1") : QString());
    QCOMPARE(first.modelId, from >= 7 ? QStringLiteral("falcon") : QString());

    // The tree and the active branch.
    QCOMPARE(ids(chats.activePath(1)), (QList<qint64>{1, 3, 4}));
    QCOMPARE(ids(chats.activePath(2)), (QList<qint64>{5}));
    QCOMPARE(chats.siblings(3).index, 1);
    QCOMPARE(chats.siblings(3).count, 2);
    const Message m3 = *chats.message(3);
    QCOMPARE(m3.content, QStringLiteral("regenerated answer about giraffes"));
    QCOMPARE(m3.createdAt, 1300);
    if (from >= 2) {
      QCOMPARE(m3.meta.model, QStringLiteral("tiny"));
      QCOMPARE(m3.meta.seed, std::optional<qint64>(7));
      QCOMPARE(m3.meta.promptTokens, std::optional<qint64>(10));
      QCOMPARE(m3.meta.completionTokens, std::optional<qint64>(20));
      QCOMPARE(m3.meta.prefillTokensPerS, std::optional<double>(100.5));
      QCOMPARE(m3.meta.decodeTokensPerS, std::optional<double>(20.25));
      QCOMPARE(m3.meta.finishReason, QStringLiteral("stop"));
      QCOMPARE(m3.meta.sampling.value(QLatin1String("top_k")).toInt(), 40);
    } else {
      QCOMPARE(m3.meta, MessageMeta());
    }

    // Full-text search covers the messages written before FTS existed.
    QCOMPARE(chats.search(QStringLiteral("zebra")).size(), 1);
    const QList<SearchHit> hits = chats.search(QStringLiteral("giraf"));
    QCOMPARE(hits.size(), 1);
    QCOMPARE(hits[0].messageId, 3);
    // ... and stays in sync for new ones.
    const qint64 added =
        chats.addMessage(1, 4, QStringLiteral("assistant"), QStringLiteral("okapi"));
    QCOMPARE(chats.search(QStringLiteral("okapi")).value(0).messageId, added);

    // States work, and the ones saved before the upgrade survive it.
    StateStore& states = storage.states();
    if (from >= 4) {
      const auto latest = states.latest(1);
      QVERIFY(latest);
      QCOMPARE(latest->messageId, 3);
      QCOMPARE(latest->tokenHash, quint64(-5));
      QCOMPARE(states.budgetBytes(), 123456789);
      // The texts: imported from covered/*.txt (v4) or already in the row (v5); a file whose
      // header does not match its state is not imported (the chat will be re-prefilled).
      const StoredState stored = states.load(*latest);
      QCOMPARE(stored.bytes, QByteArray(100, 's'));
      QCOMPARE(stored.coveredText, std::optional<QByteArray>(kOldText));
      const QList<Checkpoint> all = states.checkpoints(1);
      QCOMPARE(all.size(), 2);
      QVERIFY(!states.load(all[1]).coveredText);
      QCOMPARE(storage.legacyTextsImported(), from == 4 ? 1 : 0);
    }
    QVERIFY(!QDir(dir.path()).exists(QStringLiteral("covered")));  // the v4 folder is gone
    StateInfo info;
    info.conversationId = 1;
    info.messageId = added;
    info.coveredText = QByteArray("new \xff text");
    const Checkpoint saved = states.save(info, QByteArray(10, 'n'));
    QCOMPARE(states.latest(1)->messageId, added);
    QCOMPARE(states.load(saved).coveredText, info.coveredText);
  }

  void legacyImportIsRepeatableAfterACrash() {
    // A crash after the import committed but before covered/ was deleted: the next open
    // finds the texts already in the rows and only deletes the folder.
    QTemporaryDir dir;
    {
      Database db(dir.filePath(QLatin1String(Storage::kDatabaseFile)));
      migrate(db, 4);
      fillAtVersion(db, 4, dir.path());
    }
    const QString kept = dir.filePath(QStringLiteral("kept-covered"));
    QVERIFY(QDir().mkpath(kept));
    QVERIFY(QFile::copy(dir.filePath(QStringLiteral("covered/old.txt")), kept + "/old.txt"));
    {
      Storage storage(dir.path());
      QCOMPARE(storage.legacyTextsImported(), 1);
    }
    QVERIFY(QDir().rename(kept, dir.filePath(QStringLiteral("covered"))));  // "not deleted"
    Storage storage(dir.path());
    QCOMPARE(storage.legacyTextsImported(), 0);
    QVERIFY(!QDir(dir.path()).exists(QStringLiteral("covered")));
    QCOMPARE(storage.states().load(*storage.states().latest(1)).coveredText,
             std::optional<QByteArray>(kOldText));
  }

  void refusesADatabaseFromANewerVersion() {
    QTemporaryDir dir;
    {
      Database db(dir.filePath(QLatin1String(Storage::kDatabaseFile)));
      migrate(db);
      db.setUserVersion(latestSchemaVersion() + 1);
    }
    try {
      Storage storage(dir.path());
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QCOMPARE(e.kind(), StorageError::Kind::TooNew);
      QVERIFY2(e.message().contains(QLatin1String("newer")), qPrintable(e.message()));
    }
    Database db(dir.filePath(QLatin1String(Storage::kDatabaseFile)));
    QCOMPARE(db.userVersion(), latestSchemaVersion() + 1);
  }

  void aFailingMigrationLeavesThePreviousVersion() {
    Database db(QStringLiteral(":memory:"));
    migrate(db, 2);
    db.exec("CREATE TABLE messages_fts (x)");  // makes v3 fail half-way
    try {
      migrate(db);
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QVERIFY2(e.message().contains(QLatin1String("version 3")), qPrintable(e.message()));
    }
    QCOMPARE(db.userVersion(), 2);
    QCOMPARE(db.queryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'", -1), 0);
  }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
