// Export (Markdown, text, JSON, OpenAI) and import of our JSON: round trips give back
// identical chats; malformed files are refused with clear errors and import nothing.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "coil/limits.hpp"
#include "database.hpp"
#include "export.hpp"
#include "import_json.hpp"
#include "sample_chats.hpp"
#include "storage.hpp"
#include "storage_error.hpp"
#include "test_clock.hpp"

using namespace coil::storage;

namespace {

// The tree as (parent's position, message with ids cleared) in creation order: equal for
// two chats exactly when their trees, texts and metadata are equal.
struct Shape {
  QList<int> parents;
  QList<Message> messages;
  int activeLeaf = -1;
  bool operator==(const Shape&) const = default;
};

Shape shapeOf(const ChatStore& store, qint64 conv) {
  Shape s;
  QList<qint64> order;
  for (Message m : store.messages(conv)) {
    s.parents << int(order.indexOf(m.parentId));
    order << m.id;
    m.id = m.parentId = m.conversationId = 0;
    s.messages << m;
  }
  s.activeLeaf = int(order.indexOf(store.conversation(conv)->activeLeafId));
  return s;
}

Conversation withoutIds(Conversation c) {
  c.id = c.activeLeafId = 0;
  return c;
}

qint64 count(Database& db, const char* table) {
  return db.queryInt(std::string("SELECT COUNT(*) FROM ") + table, -1);
}

}  // namespace

class TestExportImport : public QObject {
  Q_OBJECT

  test::FakeClock clock_;
  std::unique_ptr<Storage> src_, dst_;
  test::SampleChat sample_;
  qint64 plain_ = 0;

 private slots:
  void init() {
    src_ = Storage::inMemory(clock_.fn());
    dst_ = Storage::inMemory(clock_.fn());
    sample_ = test::addSampleChat(src_->chats(), QStringLiteral("Snake talk"));
    plain_ = src_->chats().createConversation();  // untitled, no settings
    src_->chats().addMessage(plain_, 0, QStringLiteral("user"), QStringLiteral("only a question"));
  }

  void jsonRoundTripGivesAnIdenticalChat() {
    ChatStore& src = src_->chats();
    const QByteArray json = exportConversation(src, sample_.id, ExportFormat::Json);
    const QList<qint64> ids = importJson(dst_->chats(), json);
    QCOMPARE(ids.size(), 1);
    ChatStore& dst = dst_->chats();
    QCOMPARE(withoutIds(*dst.conversation(ids[0])), withoutIds(*src.conversation(sample_.id)));
    QCOMPARE(shapeOf(dst, ids[0]), shapeOf(src, sample_.id));
    QCOMPARE(shapeOf(dst, ids[0]).messages.size(), 7);
    // Same active branch, same sibling navigation.
    QCOMPARE(dst.activePath(ids[0]).size(), 4);
    QCOMPARE(dst.activePath(ids[0]).last().content, QStringLiteral("4"));
    QCOMPARE(dst.siblings(dst.activePath(ids[0])[1].id).count, 2);
    // Exporting the imported chat gives the same bytes.
    QCOMPARE(exportConversation(dst, ids[0], ExportFormat::Json), json);
  }

  void aRemoteChatRoundTripsWithItsEndpoint() {
    ChatStore& src = src_->chats();
    src.setRemoteModel(sample_.id, QStringLiteral("falcon-mamba"),
                       QStringLiteral("http://gpu-box:8080/v1"));
    const QByteArray json = exportConversation(src, sample_.id, ExportFormat::Json);
    QVERIFY(json.contains("\"remote_url\": \"http://gpu-box:8080/v1\""));
    const QList<qint64> ids = importJson(dst_->chats(), json);
    QCOMPARE(ids.size(), 1);
    const Conversation c = *dst_->chats().conversation(ids[0]);
    QCOMPARE(c.remoteUrl, QStringLiteral("http://gpu-box:8080/v1"));
    QCOMPARE(c.modelId, QStringLiteral("falcon-mamba"));
    QCOMPARE(c.modelPath, QString());
    QCOMPARE(withoutIds(c), withoutIds(*src.conversation(sample_.id)));
    // a local chat's export has no remote_url at all (files of earlier versions import alike)
    QVERIFY(!exportConversation(src, plain_, ExportFormat::Json).contains("remote_url"));
  }

  void jsonLayout() {
    const QJsonObject root =
        QJsonDocument::fromJson(exportConversation(src_->chats(), sample_.id, ExportFormat::Json))
            .object();
    QCOMPARE(root[QLatin1String("format")].toString(), QStringLiteral("coil-chat"));
    QCOMPARE(root[QLatin1String("schema_version")].toInt(), 1);
    const QJsonObject c = root[QLatin1String("conversations")].toArray()[0].toObject();
    QCOMPARE(c[QLatin1String("title")].toString(), QStringLiteral("Snake talk"));
    QCOMPARE(c[QLatin1String("pinned")].toBool(), true);
    const QJsonArray ms = c[QLatin1String("messages")].toArray();
    QCOMPARE(ms.size(), 7);
    QCOMPARE(ms[0].toObject()[QLatin1String("id")].toInt(), 1);
    QVERIFY(ms[0].toObject()[QLatin1String("parent")].isNull());
    QCOMPARE(ms[1].toObject()[QLatin1String("parent")].toInt(), 1);
    const QJsonObject meta = ms[1].toObject()[QLatin1String("meta")].toObject();
    QCOMPARE(meta[QLatin1String("seed")].toInteger(), Q_INT64_C(1234567890123));
    QCOMPARE(meta[QLatin1String("decode_tokens_per_s")].toDouble(), 31.5);
    QCOMPARE(c[QLatin1String("active_leaf")].toInt(), 5);
  }

  void allChatsRoundTrip() {
    const QByteArray json = exportAll(src_->chats(), ExportFormat::Json);
    const QList<qint64> ids = importJson(dst_->chats(), json);
    QCOMPARE(ids.size(), 2);
    const QList<Conversation> srcList = src_->chats().conversations();
    const QList<Conversation> dstList = dst_->chats().conversations();
    QCOMPARE(dstList.size(), srcList.size());
    for (int i = 0; i < srcList.size(); ++i) {
      QCOMPARE(withoutIds(dstList[i]), withoutIds(srcList[i]));
      QCOMPARE(shapeOf(dst_->chats(), dstList[i].id), shapeOf(src_->chats(), srcList[i].id));
    }
    QCOMPARE(exportAll(dst_->chats(), ExportFormat::Json), json);
    // Importing the same export again is recognised: nothing is added.
    int alreadyThere = -1;
    QCOMPARE(importJson(dst_->chats(), json, &alreadyThere).size(), 0);
    QCOMPARE(alreadyThere, 2);
    QCOMPARE(dst_->chats().conversations().size(), 2);
    QCOMPARE(dst_->chats().search(QStringLiteral("mamba")).size(), 1);
    // a chat continued after the export is another chat: it is imported
    const qint64 first = dstList[0].id;
    dst_->chats().addMessage(
        first,
        dst_->chats().activePath(first).isEmpty() ? 0 : dst_->chats().activePath(first).last().id,
        QStringLiteral("user"), QStringLiteral("one more"));
    QCOMPARE(importJson(dst_->chats(), json, &alreadyThere).size(), 1);
    QCOMPARE(alreadyThere, 1);
  }

  void markdownHasTheActiveBranch() {
    const QString md =
        QString::fromUtf8(exportConversation(src_->chats(), sample_.id, ExportFormat::Markdown));
    QVERIFY(md.startsWith(QLatin1String("# Snake talk\n")));
    QVERIFY(md.contains(QLatin1String("Model: tiiuae/falcon-mamba-7b-instruct")));
    QVERIFY(md.contains(QLatin1String("> You are a helpful snake.\n> Answer briefly.")));
    QVERIFY(md.contains(QStringLiteral("### User\n\nHello, mamba 🐍! Ünïcödé?\n")));
    QVERIFY(md.contains(QLatin1String("### Assistant\n\nHello there.\n")));
    QVERIFY(md.contains(QLatin1String("### Assistant\n\n4\n")));
    QVERIFY(!md.contains(QLatin1String("ssss")));  // the other branch of A1
    QVERIFY(!md.contains(QLatin1String("3+3")));   // the other branch of Q2
    QVERIFY(md.indexOf(QLatin1String("2+2")) < md.indexOf(QLatin1String("\n4\n")));
    const QString untitled =
        QString::fromUtf8(exportConversation(src_->chats(), plain_, ExportFormat::Markdown));
    QVERIFY(untitled.startsWith(QLatin1String("# Untitled chat\n")));
  }

  void plainText() {
    const QString txt =
        QString::fromUtf8(exportConversation(src_->chats(), sample_.id, ExportFormat::Text));
    QVERIFY(txt.startsWith(
        QLatin1String("Snake talk\n==========\n\n[System]\nYou are a helpful snake.")));
    QVERIFY(txt.contains(QLatin1String("[User]\nWhat is 2+2?\n\n[Assistant]\n4\n")));
    QVERIFY(!txt.contains(QLatin1String("3+3")));
    const QString all = QString::fromUtf8(exportAll(src_->chats(), ExportFormat::Text));
    QVERIFY(all.contains(QLatin1String("Snake talk")));
    QVERIFY(all.contains(QLatin1String("only a question")));
  }

  void openAiMessages() {
    // One chat: JSON Lines too, a single line that parses on its own, ending in a newline.
    const QByteArray one = exportConversation(src_->chats(), sample_.id, ExportFormat::OpenAi);
    QVERIFY(one.endsWith('\n'));
    QCOMPARE(one.count('\n'), 1);
    QJsonParseError error{};
    const QJsonObject o = QJsonDocument::fromJson(one.chopped(1), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(fileSuffix(ExportFormat::OpenAi), QStringLiteral("jsonl"));
    const QJsonArray ms = o[QLatin1String("messages")].toArray();
    QStringList roles, contents;
    for (const QJsonValue& v : ms) {
      QCOMPARE(v.toObject().keys(),
               (QStringList{QStringLiteral("content"), QStringLiteral("role")}));
      roles << v.toObject()[QLatin1String("role")].toString();
      contents << v.toObject()[QLatin1String("content")].toString();
    }
    QCOMPARE(roles, (QStringList{"system", "user", "assistant", "user", "assistant"}));
    QCOMPARE(contents.last(), QStringLiteral("4"));
    // All chats: JSON Lines, one chat per line.
    const QByteArray all = exportAll(src_->chats(), ExportFormat::OpenAi);
    QVERIFY(all.endsWith('\n'));
    const QList<QByteArray> lines = all.chopped(1).split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray& l : lines) {
      const QJsonDocument d = QJsonDocument::fromJson(l, &error);
      QCOMPARE(error.error, QJsonParseError::NoError);
      QVERIFY(d.object()[QLatin1String("messages")].isArray());
    }
  }

  void unknownChatIsAnError() {
    for (ExportFormat f :
         {ExportFormat::Markdown, ExportFormat::Text, ExportFormat::Json, ExportFormat::OpenAi})
      QVERIFY_THROWS_EXCEPTION(StorageError, exportConversation(src_->chats(), 9999, f));
  }

  void formatNames() {
    QCOMPARE(parseExportFormat(QStringLiteral("md")), ExportFormat::Markdown);
    QCOMPARE(parseExportFormat(QStringLiteral("Markdown")), ExportFormat::Markdown);
    QCOMPARE(parseExportFormat(QStringLiteral("txt")), ExportFormat::Text);
    QCOMPARE(parseExportFormat(QStringLiteral("json")), ExportFormat::Json);
    QCOMPARE(parseExportFormat(QStringLiteral("openai")), ExportFormat::OpenAi);
    QCOMPARE(parseExportFormat(QStringLiteral("pdf")), std::nullopt);
  }

  void malformedFilesImportNothing_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray head = R"({"format":"coil-chat","schema_version":1,"conversations":[)";
    const QByteArray okChat =
        R"({"title":"ok","created_at":1,"updated_at":2,"messages":[{"id":1,"parent":null,"role":"user","content":"fine","created_at":1}]})";
    auto chat = [](const QByteArray& messages, const QByteArray& extra = {}) {
      return QByteArray(R"({"title":"t","created_at":1,"updated_at":2,)") + extra +
             R"("messages":[)" + messages + "]}";
    };
    auto file = [&](const QByteArray& c) { return head + okChat + "," + c + "]}"; };
    QTest::newRow("not json") << QByteArray("{nope") << "not a valid JSON file";
    QTest::newRow("empty") << QByteArray() << "not a valid JSON file";
    QTest::newRow("nested 100000 deep")
        << QByteArray(head + QByteArray(100000, '[') + QByteArray(100000, ']') + "]}")
        << "the chat file: JSON nested deeper than 64 levels";
    QTest::newRow("array") << QByteArray("[]") << "not an object";
    QTest::newRow("no format") << QByteArray(R"({"schema_version":1,"conversations":[]})")
                               << "\"format\"";
    QTest::newRow("openai file") << QByteArray(R"({"messages":[]})") << "not a Coil chat export";
    QTest::newRow("newer schema")
        << QByteArray(R"({"format":"coil-chat","schema_version":2,"conversations":[]})")
        << "unsupported schema_version 2";
    QTest::newRow("schema 0")
        << QByteArray(R"({"format":"coil-chat","schema_version":0,"conversations":[]})")
        << "unsupported schema_version 0";
    QTest::newRow("schema string")
        << QByteArray(R"({"format":"coil-chat","schema_version":"1","conversations":[]})")
        << "$.schema_version: expected an integer";
    QTest::newRow("no conversations")
        << QByteArray(R"({"format":"coil-chat","schema_version":1})") << "$.conversations: missing";
    QTest::newRow("conversation not object")
        << QByteArray(head + okChat + ",42]}") << "conversations[1]: expected an object";
    QTest::newRow("no title") << file(R"({"created_at":1,"updated_at":2,"messages":[]})")
                              << "conversations[1].title: missing";
    QTest::newRow("bad time")
        << file(R"({"title":"t","created_at":1.5,"updated_at":2,"messages":[]})")
        << "conversations[1].created_at: expected an integer";
    QTest::newRow("bad role") << file(chat(
                                     R"({"id":1,"role":"robot","content":"x","created_at":1})"))
                              << "conversations[1].messages[0].role: \"robot\" is not a role";
    QTest::newRow("content number")
        << file(chat(R"({"id":1,"role":"user","content":5,"created_at":1})"))
        << "messages[0].content: expected a string";
    QTest::newRow("parent later")
        << file(chat(
               R"({"id":1,"parent":2,"role":"user","content":"x","created_at":1},{"id":2,"role":"user","content":"y","created_at":1})"))
        << "messages[0].parent: no earlier message with id 2";
    QTest::newRow("duplicate id")
        << file(chat(
               R"({"id":1,"role":"user","content":"x","created_at":1},{"id":1,"role":"user","content":"y","created_at":1})"))
        << "messages[1].id: id 1 appears twice";
    QTest::newRow("zero id") << file(chat(R"({"id":0,"role":"user","content":"x","created_at":1})"))
                             << "messages[0].id: must be positive";
    QTest::newRow("bad leaf") << file(chat(R"({"id":1,"role":"user","content":"x","created_at":1})",
                                           R"("active_leaf":9,)"))
                              << "conversations[1].active_leaf: no message with id 9";
    QTest::newRow("bad seed")
        << file(chat(R"({"id":1,"role":"user","content":"x","created_at":1,"meta":{"seed":1.5}})"))
        << "messages[0].meta.seed: expected an integer";
    QTest::newRow("bad meta")
        << file(chat(R"({"id":1,"role":"user","content":"x","created_at":1,"meta":[]})"))
        << "messages[0].meta: expected an object";
    QTest::newRow("bad pinned") << file(chat("", R"("pinned":"yes",)"))
                                << "conversations[1].pinned: expected true or false";
    QTest::newRow("bad sampling") << file(chat("", R"("sampling":3,)"))
                                  << "conversations[1].sampling: expected an object";
  }

  void malformedFilesImportNothing() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    Database& db = dst_->db();
    try {
      importJson(dst_->chats(), json);
      QFAIL("no exception");
    } catch (const ImportError& e) {
      QVERIFY2(e.message().contains(error), qPrintable(e.message()));
    }
    QCOMPARE(count(db, "conversations"), 0);
    QCOMPARE(count(db, "messages"), 0);
  }

  void aDatabaseErrorHalfWayRollsBackEverything() {
    const QByteArray json = exportAll(src_->chats(), ExportFormat::Json);
    // A trigger that fails on the last message of the file, after others were written.
    dst_->db().exec(
        "CREATE TEMP TRIGGER boom BEFORE INSERT ON messages WHEN new.content = 'only a question' "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END");
    QVERIFY_THROWS_EXCEPTION(StorageError, importJson(dst_->chats(), json));
    QCOMPARE(count(dst_->db(), "conversations"), 0);
    QCOMPARE(count(dst_->db(), "messages"), 0);
    QVERIFY(!dst_->db().inTransaction());
  }

  void oversizedFileIsRefusedBeforeReading() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("huge.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QVERIFY(f.resize(qint64(coil::limits::kChatExportBytes) + 1));  // sparse: nothing written
    f.close();
    try {
      importJsonFile(dst_->chats(), path);
      QFAIL("no exception");
    } catch (const ImportError& e) {
      QVERIFY2(e.message().contains(QStringLiteral("too large to be a chat export")),
               qPrintable(e.message()));
    }
    QCOMPARE(count(dst_->db(), "conversations"), 0);
  }

  void minimalFileImports() {
    const QByteArray json =
        R"({"format":"coil-chat","schema_version":1,"conversations":[{"title":"min","created_at":5,"updated_at":6,"messages":[]}]})";
    const QList<qint64> ids = importJson(dst_->chats(), json);
    const Conversation c = *dst_->chats().conversation(ids.value(0));
    QCOMPARE(c.title, QStringLiteral("min"));
    QCOMPARE(c.createdAt, 5);
    QVERIFY(dst_->chats().activePath(c.id).isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestExportImport)
#include "tst_export_import.moc"
