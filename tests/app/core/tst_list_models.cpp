// Every list model of coil_app under QAbstractItemModelTester, through the changes the
// app makes to them (resets, inserts, moves, removals, streaming rows).
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include "banner_model.hpp"
#include "chat_store.hpp"
#include "conversation_list_model.hpp"
#include "message_list_model.hpp"
#include "search_results_model.hpp"
#include "storage.hpp"

using namespace coil::app;
using coil::storage::Conversation;
using Tester = QAbstractItemModelTester;

namespace {

Conversation conv(qint64 id, const QString& title, bool pinned = false) {
  Conversation c;
  c.id = id;
  c.title = title;
  c.pinned = pinned;
  return c;
}

MessageRow row(qint64 id, const QString& role, const QString& content, int index = 0,
               int count = 1) {
  coil::storage::Message m;
  m.id = id;
  m.role = role;
  m.content = content;
  coil::storage::SiblingInfo s;
  s.index = index;
  s.count = count;
  return MessageRow::from(m, s);
}

QList<qint64> ids(const QAbstractItemModel& m, int role) {
  QList<qint64> out;
  for (int i = 0; i < m.rowCount(); ++i) out << m.index(i, 0).data(role).toLongLong();
  return out;
}

}  // namespace

class TestListModels : public QObject {
  Q_OBJECT

 private slots:
  void conversations() {
    ConversationListModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    QSignalSpy count(&m, &SyncedListModel::countChanged);
    m.setConversations({conv(1, "one"), conv(2, "two"), conv(3, "")});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(count.count(), 1);
    QCOMPARE(m.index(2, 0).data(ConversationListModel::TitleRole).toString(), "New chat");
    // pinning moves a chat to the top; a new chat appears; one is deleted
    QSignalSpy moved(&m, &QAbstractItemModel::rowsMoved);
    m.setConversations({conv(3, "three", true), conv(1, "one"), conv(2, "two")});
    QCOMPARE(ids(m, ConversationListModel::IdRole), (QList<qint64>{3, 1, 2}));
    QCOMPARE(moved.count(), 1);
    m.setConversations({conv(4, "four"), conv(3, "three", true), conv(2, "two")});
    QCOMPARE(ids(m, ConversationListModel::IdRole), (QList<qint64>{4, 3, 2}));
    QCOMPARE(m.index(1, 0).data(ConversationListModel::SectionRole).toString(), "Pinned");
    QCOMPARE(m.index(1, 0).data(ConversationListModel::PinnedRole).toBool(), true);
    // the current chat is marked
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.setCurrentId(3);
    QVERIFY(m.index(1, 0).data(ConversationListModel::CurrentRole).toBool());
    QVERIFY(!m.index(0, 0).data(ConversationListModel::CurrentRole).toBool());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.rowOf(2), 2);
    QCOMPARE(m.titleOf(4), "four");
    m.setConversations({});
    QCOMPARE(m.rowCount(), 0);
    QVERIFY(m.roleNames().values().contains("title"));
  }

  void messagesAndStreaming() {
    MessageListModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    m.setMessages(
        {row(1, "user", "Hi"), row(2, "assistant", "Hello!\n\n```cpp\nint x;\n```", 0, 2)});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(1, 0).data(MessageListModel::SiblingCountRole).toInt(), 2);
    QVERIFY(m.index(1, 0).data(MessageListModel::IsLastRole).toBool());
    const auto segments = m.index(1, 0).data(MessageListModel::SegmentsRole).toList();
    QCOMPARE(segments.size(), 2);
    QCOMPARE(segments[1].toMap().value("kind").toString(), "code");

    QSignalSpy streaming(&m, &MessageListModel::streamingChanged);
    m.setMessages({row(1, "user", "Hi"), row(3, "user", "More?")});  // a new turn
    m.beginStreaming();
    QCOMPARE(m.rowCount(), 3);
    QVERIFY(m.streaming());
    QVERIFY(!m.index(1, 0).data(MessageListModel::IsLastRole).toBool());
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.appendStreaming("Sure");
    m.appendStreaming(", here");
    QCOMPARE(changed.count(), 2);
    QCOMPARE(m.index(2, 0).data(MessageListModel::ContentRole).toString(), "Sure, here");
    QVERIFY(m.index(2, 0).data(MessageListModel::StreamingRole).toBool());
    // the list can change under a streaming row (a chat refresh) and keeps it last
    m.setMessages({row(1, "user", "Hi"), row(3, "user", "More, edited?")});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.index(2, 0).data(MessageListModel::IdRole).toLongLong(),
             MessageListModel::kStreamingId);
    m.endStreaming();
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(streaming.count(), 2);
    m.setMessages({row(1, "user", "Hi"), row(3, "user", "More, edited?"),
                   row(4, "assistant", "Sure, here it is.")});
    QCOMPARE(m.lastAnswer(), "Sure, here it is.");
    QCOMPARE(m.lastMessageId(), 4);
    QCOMPARE(m.contentOf(3), "More, edited?");
    QCOMPARE(m.roleOf(4), "assistant");
    m.setMessages({});
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(m.lastAnswer(), QString());
  }

  void searchResults() {
    auto storage = coil::storage::Storage::inMemory();
    auto& chats = storage->chats();
    const qint64 a = chats.createConversation("Cooking");
    chats.addMessage(a, 0, "user", "How long do I boil an egg?");
    const qint64 b = chats.createConversation("Travel");
    chats.addMessage(b, 0, "user", "Is the egg museum open on Sundays?");
    chats.addMessage(b, 0, "user", "Trains to Lyon");

    SearchResultsModel m(&chats);
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    QVERIFY(!m.active());
    m.setQuery("egg");
    QVERIFY(m.active());
    QCOMPARE(m.rowCount(), 2);
    QVERIFY(m.index(0, 0).data(SearchResultsModel::SnippetRole).toString().contains("<b>"));
    m.setQuery("lyon");
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(m.index(0, 0).data(SearchResultsModel::TitleRole).toString(), "Travel");
    QCOMPARE(m.index(0, 0).data(SearchResultsModel::ConversationIdRole).toLongLong(), b);
    chats.addMessage(a, 0, "user", "Lyon-style egg recipes");
    m.refresh();
    QCOMPARE(m.rowCount(), 2);
    m.setQuery("   ");
    QCOMPARE(m.rowCount(), 0);
    m.setQuery("\"unbalanced (quote");  // FTS syntax is taken literally, never an error
    QCOMPARE(m.rowCount(), 0);
  }

  void banners() {
    BannerModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    m.show({"fallback", BannerModel::Warning, "Running on CPU", "no GPU", "check the driver"});
    m.show({"model-load", BannerModel::Error, "The model could not be loaded", "missing",
            "choose another"});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(0, 0).data(BannerModel::KeyRole).toString(), "model-load");
    // the same key again replaces the banner (and brings it to the top)
    m.show({"fallback", BannerModel::Warning, "Running on CPU", "driver too old", "update it"});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(0, 0).data(BannerModel::TextRole).toString(), "driver too old");
    QVERIFY(m.has("model-load"));
    m.dismiss("model-load");
    QCOMPARE(m.rowCount(), 1);
    QVERIFY(!m.has("model-load"));
    m.dismiss("not-there");
    QCOMPARE(m.rowCount(), 1);
  }
};

QTEST_GUILESS_MAIN(TestListModels)
#include "tst_list_models.moc"
