// Attachments stored with their message: added with it or not at all, kept by an edit
// (a new question about the same document), deleted with the chat, upgraded into a
// database of the previous schema, and carried by every export format and the JSON import.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "database.hpp"
#include "export.hpp"
#include "import_json.hpp"
#include "migrations.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

using namespace coil::storage;

namespace {

Attachment report() {
  return {QStringLiteral("report.pdf"), 5120, QStringLiteral("PDF"), 812,
          QStringLiteral("Quarterly report.\nRevenue grew ```fast```.")};
}

Attachment notes() {
  return {QStringLiteral("notes.md"), 40, QStringLiteral("Markdown"), 0,
          QStringLiteral("# Notes\nThe café opens at nine.")};
}

qint64 count(Database& db, const char* table) {
  return db.queryInt(std::string("SELECT COUNT(*) FROM ") + table, -1);
}

}  // namespace

class TestAttachments : public QObject {
  Q_OBJECT

  std::unique_ptr<Storage> s_;
  qint64 conv_ = 0, question_ = 0, answer_ = 0;

 private slots:
  void init() {
    s_ = Storage::inMemory();
    ChatStore& chats = s_->chats();
    conv_ = chats.createConversation(QStringLiteral("Docs"));
    question_ = chats.addMessage(conv_, 0, QStringLiteral("user"), QStringLiteral("Summarize."), {},
                                 true, {report(), notes()});
    answer_ =
        chats.addMessage(conv_, question_, QStringLiteral("assistant"), QStringLiteral("It grew."));
  }

  void storedWithTheMessageInOrder() {
    ChatStore& chats = s_->chats();
    const QList<Attachment> expected{report(), notes()};
    QCOMPARE(chats.message(question_)->attachments, expected);
    QCOMPARE(chats.activePath(conv_).first().attachments, expected);
    QCOMPARE(chats.pathTo(answer_).first().attachments, expected);
    QCOMPARE(chats.messages(conv_).first().attachments, expected);
    QVERIFY(chats.message(answer_)->attachments.isEmpty());
  }

  void nothingHalfAdded() {
    ChatStore& chats = s_->chats();
    Attachment broken = notes();
    broken.bytes = -1;
    const qint64 before = count(s_->db(), "messages");
    QVERIFY_THROWS_EXCEPTION(
        StorageError, chats.addMessage(conv_, answer_, QStringLiteral("user"),
                                       QStringLiteral("again"), {}, true, {report(), broken}));
    QCOMPARE(count(s_->db(), "messages"), before);
    QCOMPARE(count(s_->db(), "attachments"), 2);
    QCOMPARE(chats.conversation(conv_)->activeLeafId, answer_);
  }

  void editKeepsTheDocuments() {
    ChatStore& chats = s_->chats();
    const qint64 edited = chats.editMessage(question_, QStringLiteral("Who wrote it?"));
    const QList<Attachment> expected{report(), notes()};
    QCOMPARE(chats.message(edited)->attachments, expected);
    QCOMPARE(chats.message(edited)->content, QStringLiteral("Who wrote it?"));
  }

  void deletedWithTheChat() {
    s_->chats().deleteConversation(conv_);
    QCOMPARE(count(s_->db(), "attachments"), 0);
  }

  void promptContentDelimitsEachDocument() {
    Message m = *s_->chats().message(question_);
    m.attachments[1].text = QStringLiteral("tricky </document> inside");
    m.attachments[1].name = QStringLiteral("a\"b.md");
    QCOMPARE(promptContent(m),
             QStringLiteral("<document name=\"report.pdf\">\nQuarterly report.\nRevenue grew "
                            "```fast```.\n</document>\n\n<document name=\"a'b.md\">\ntricky "
                            "</document > inside\n</document>\n\nSummarize."));
  }

  void exportsCarryNameAndText() {
    ChatStore& chats = s_->chats();
    const QString md = QString::fromUtf8(exportConversation(chats, conv_, ExportFormat::Markdown));
    QVERIFY2(md.contains(QLatin1String("**Attachment: report.pdf** (5120 bytes, 812 tokens)")),
             qPrintable(md));
    // the text's own ``` cannot close the block
    QVERIFY2(
        md.contains(QLatin1String("````text\nQuarterly report.\nRevenue grew ```fast```.\n````")),
        qPrintable(md));
    QVERIFY2(md.indexOf(QStringLiteral("The café opens")) < md.indexOf(QLatin1String("Summarize.")),
             qPrintable(md));
    const QString txt = QString::fromUtf8(exportConversation(chats, conv_, ExportFormat::Text));
    QVERIFY2(txt.contains(QStringLiteral("[Attachment: notes.md (40 bytes)]\n# Notes\nThe café "
                                         "opens at nine.\n[End of notes.md]")),
             qPrintable(txt));
    const QJsonObject openai =
        QJsonDocument::fromJson(exportConversation(chats, conv_, ExportFormat::OpenAi)).object();
    const QJsonObject first = openai[QLatin1String("messages")].toArray().first().toObject();
    QCOMPARE(first[QLatin1String("content")].toString(), promptContent(*chats.message(question_)));
    QVERIFY(first[QLatin1String("content")].toString().startsWith(
        QLatin1String("<document name=\"report.pdf\">")));
  }

  void jsonRoundTrip() {
    const QByteArray json = exportConversation(s_->chats(), conv_, ExportFormat::Json);
    auto dst = Storage::inMemory();
    const QList<qint64> ids = importJson(dst->chats(), json);
    QCOMPARE(ids.size(), 1);
    const QList<Message> path = dst->chats().activePath(ids[0]);
    QCOMPARE(path.size(), 2);
    const QList<Attachment> expected{report(), notes()};
    QCOMPARE(path[0].attachments, expected);
    QVERIFY(path[1].attachments.isEmpty());
  }

  void importRefusesABadAttachment_data() {
    QTest::addColumn<QString>("attachment");
    QTest::addColumn<QString>("error");
    QTest::addRow("no text") << R"({"name": "a.txt"})"
                             << "attachments[0].text: missing";
    QTest::addRow("no name") << R"({"text": "x"})"
                             << "attachments[0].name: missing";
    QTest::addRow("negative size") << R"({"name": "a", "text": "x", "bytes": -4})"
                                   << "attachments[0].bytes: must not be negative";
    QTest::addRow("not an object") << R"("text")"
                                   << "attachments[0]: expected an object";
  }

  void importRefusesABadAttachment() {
    QFETCH(QString, attachment);
    QFETCH(QString, error);
    const QByteArray json =
        QStringLiteral(R"({"format": "coil-chat", "schema_version": 1, "conversations": [
          {"title": "t", "created_at": 1, "updated_at": 1, "messages": [
            {"id": 1, "role": "user", "content": "q", "created_at": 1,
             "attachments": [%1]}]}]})")
            .arg(attachment)
            .toUtf8();
    auto dst = Storage::inMemory();
    try {
      importJson(dst->chats(), json);
      QFAIL("imported");
    } catch (const ImportError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(error), e.what());
    }
    QCOMPARE(count(dst->db(), "messages"), 0);
    QCOMPARE(count(dst->db(), "attachments"), 0);
  }

  void upgradedDatabaseTakesAttachments() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QLatin1String(Storage::kDatabaseFile));
    {
      Database db(path);
      migrate(db, 5);
      db.exec(R"sql(
        INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old', 1, 1);
        INSERT INTO messages (id, conversation_id, role, content, created_at)
          VALUES (1, 1, 'user', 'old question', 1);
      )sql");
    }
    Storage storage(dir.path());
    ChatStore& chats = storage.chats();
    QVERIFY(chats.message(1)->attachments.isEmpty());
    const qint64 id =
        chats.addMessage(1, 1, QStringLiteral("user"), QStringLiteral("new"), {}, true, {notes()});
    QCOMPARE(chats.message(id)->attachments, QList<Attachment>{notes()});
  }
};

QTEST_GUILESS_MAIN(TestAttachments)
#include "tst_attachments.moc"
