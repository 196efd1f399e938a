// Full-text search: matching, snippets with highlighting, index kept in sync, and user
// queries that would be FTS5 syntax errors.
#include <QtTest>

#include "fts_query.hpp"
#include "storage.hpp"
#include "test_clock.hpp"

using namespace coil::storage;

class TestSearch : public QObject {
  Q_OBJECT

  test::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  ChatStore* chats_ = nullptr;
  qint64 c1_ = 0, c2_ = 0, m1_ = 0, m2_ = 0, m3_ = 0;

 private slots:
  void init() {
    storage_ = Storage::inMemory(clock_.fn());
    chats_ = &storage_->chats();
    c1_ = chats_->createConversation(QStringLiteral("Snakes"));
    c2_ = chats_->createConversation(QStringLiteral("Cooking"));
    m1_ = chats_->addMessage(c1_, 0, QStringLiteral("user"),
                             QStringLiteral("Tell me about the black mamba and its venom."));
    m2_ = chats_->addMessage(c1_, m1_, QStringLiteral("assistant"),
                             QStringLiteral("The black mamba is fast. <script>alert(1)</script>"));
    m3_ = chats_->addMessage(c2_, 0, QStringLiteral("user"),
                             QStringLiteral("How do I cook a crème brûlée?"));
  }

  void findsWordsWithHighlightedSnippets() {
    const QList<SearchHit> hits = chats_->search(QStringLiteral("venom"));
    QCOMPARE(hits.size(), 1);
    QCOMPARE(hits[0].conversationId, c1_);
    QCOMPARE(hits[0].messageId, m1_);
    QCOMPARE(hits[0].conversationTitle, QStringLiteral("Snakes"));
    QCOMPARE(hits[0].role, QStringLiteral("user"));
    QVERIFY2(hits[0].snippet.contains(QLatin1String("<b>venom</b>")), qPrintable(hits[0].snippet));
    QVERIFY(hits[0].snippetText.contains(QLatin1String("its venom")));
    QVERIFY(!hits[0].snippetText.contains(QLatin1String("<b>")));
  }

  void everyWordMustMatchAndTheLastIsAPrefix() {
    QCOMPARE(chats_->search(QStringLiteral("black mamba")).size(), 2);
    QCOMPARE(chats_->search(QStringLiteral("mamba venom")).size(), 1);
    QCOMPARE(chats_->search(QStringLiteral("mamba cook")).size(), 0);
    QCOMPARE(chats_->search(QStringLiteral("mam")).size(), 2);       // prefix, search as you type
    QCOMPARE(chats_->search(QStringLiteral("mam fast")).size(), 0);  // only the last is a prefix
    QCOMPARE(chats_->search(QStringLiteral("MAMBA")).size(), 2);     // case-insensitive
    QCOMPARE(chats_->search(QStringLiteral("creme brulee")).size(), 1);  // diacritics folded
  }

  void snippetsAreHtmlEscaped() {
    const QList<SearchHit> hits = chats_->search(QStringLiteral("alert"));
    QCOMPARE(hits.size(), 1);
    QVERIFY2(hits[0].snippet.contains(QLatin1String("&lt;script&gt;<b>alert</b>(1)")),
             qPrintable(hits[0].snippet));
    QVERIFY(hits[0].snippetText.contains(QLatin1String("<script>alert(1)")));
  }

  void respectsTheLimit() {
    QCOMPARE(chats_->search(QStringLiteral("the"), 1).size(), 1);
    QCOMPARE(chats_->search(QStringLiteral("the"), 0).size(), 0);
  }

  void queriesThatAreFtsSyntaxDoNotThrow_data() {
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("hits");
    QTest::newRow("unbalanced quote") << QStringLiteral("mamba\"") << 2;
    QTest::newRow("lone quote") << QStringLiteral("\"") << 0;
    QTest::newRow("AND") << QStringLiteral("AND") << 1;  // the word "and"
    QTest::newRow("OR") << QStringLiteral("OR") << 0;
    QTest::newRow("NOT") << QStringLiteral("NOT mamba") << 0;
    QTest::newRow("NEAR(") << QStringLiteral("NEAR(mamba") << 0;
    QTest::newRow("star") << QStringLiteral("*") << 0;
    QTest::newRow("caret") << QStringLiteral("^mamba") << 2;
    QTest::newRow("minus") << QStringLiteral("-venom") << 1;
    QTest::newRow("column filter") << QStringLiteral("content:venom") << 0;
    QTest::newRow("parentheses") << QStringLiteral("(black) OR (mamba") << 0;
    QTest::newRow("braces") << QStringLiteral("{content}: mamba") << 0;
    QTest::newRow("plus") << QStringLiteral("black + mamba") << 2;
    QTest::newRow("only punctuation") << QStringLiteral("!@#$%^&*()") << 0;
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("spaces") << QStringLiteral("  \t ") << 0;
    QTest::newRow("html") << QStringLiteral("<script>") << 1;
    QTest::newRow("unicode") << QStringLiteral("brûlée") << 1;
  }

  void queriesThatAreFtsSyntaxDoNotThrow() {
    QFETCH(QString, query);
    QFETCH(int, hits);
    QList<SearchHit> result;
    try {
      result = chats_->search(query);
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    QCOMPARE(result.size(), hits);
  }

  void matchExpressionQuotesEveryWord() {
    QCOMPARE(ftsMatchExpression(QStringLiteral("foo\" bar")),
             QStringLiteral("\"foo\"\"\" \"bar\"*"));
    QCOMPARE(ftsMatchExpression(QStringLiteral("AND")), QStringLiteral("\"AND\"*"));
    QCOMPARE(ftsMatchExpression(QStringLiteral(" ** ")), QString());
  }

  void indexFollowsEditsAndDeletes() {
    chats_->updateMessage(m3_, QStringLiteral("How do I bake bread?"), {});
    QCOMPARE(chats_->search(QStringLiteral("brulee")).size(), 0);
    QCOMPARE(chats_->search(QStringLiteral("bread")).size(), 1);
    chats_->deleteConversation(c1_);
    QCOMPARE(chats_->search(QStringLiteral("mamba")).size(), 0);
    QCOMPARE(storage_->db().queryInt(
                 "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'mamba'", -1),
             0);
    // The FTS index agrees with the messages table.
    storage_->db().exec(
        "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)");
  }

  void bestMatchesFirst() {
    const qint64 c = chats_->createConversation(QStringLiteral("Venom"));
    const qint64 strong =
        chats_->addMessage(c, 0, QStringLiteral("user"), QStringLiteral("venom venom venom"));
    const QList<SearchHit> hits = chats_->search(QStringLiteral("venom"));
    QCOMPARE(hits.size(), 2);
    QCOMPARE(hits[0].messageId, strong);
    QCOMPARE(hits[1].messageId, m1_);
  }
};

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
