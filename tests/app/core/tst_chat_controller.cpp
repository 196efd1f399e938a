// The App object as the UI uses it: sending, streaming, stop, regenerate and edit as
// branches, branch navigation, the sidebar's operations, search, status line and banners,
// and reopening a chat from its saved state.
#include <QClipboard>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "conversation_list_model.hpp"
#include "inference_worker.hpp"
#include "message_list_model.hpp"
#include "search_results_model.hpp"
#include "status_info.hpp"
#include "test_app.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;

QVariant cell(const QAbstractItemModel* m, int row, int role) {
  return m->index(row, 0).data(role);
}
}  // namespace

class TestChatController : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    app_ = fixture_.open();  // start() began the load, which ended loaded
    QVERIFY(app_);
    QCOMPARE(app_->activeModel()->path(), fixture_.model());
    QCOMPARE(app_->status()->backend(), QStringLiteral("cpu"));
    chat_ = app_->chat();
    coil::test::TestApp::makeGreedy(*app_, 8);
  }

  void sendStreamsAndStoresTheAnswer() {
    QSignalSpy finished(chat_, &ChatController::answerFinished);
    QVERIFY(!chat_->send("   "));
    QVERIFY(chat_->send("Hello, who are you?"));
    QVERIFY(chat_->busy());
    QVERIFY(!chat_->canSend());
    QVERIFY(app_->messages()->streaming());
    QVERIFY(!chat_->send("not while answering"));
    QVERIFY(finished.wait(kWait));
    QVERIFY(finished.first().at(0).toLongLong() > 0);
    QVERIFY(!chat_->busy());
    auto* m = app_->messages();
    QCOMPARE(m->rowCount(), 2);
    QCOMPARE(cell(m, 0, MessageListModel::RoleRole).toString(), "user");
    QCOMPARE(cell(m, 1, MessageListModel::RoleRole).toString(), "assistant");
    QVERIFY(cell(m, 1, MessageListModel::DetailsRole).toString().contains("8 tokens"));
    QCOMPARE(app_->conversations()->rowCount(), 1);
    QCOMPARE(chat_->title(), "Hello, who are you?");
    QVERIFY(app_->status()->resumeText().startsWith("prefilled"));
    QVERIFY(!app_->status()->speedText().isEmpty());
    // the state is saved by the worker a moment later
    QTRY_VERIFY_WITH_TIMEOUT(app_->status()->stateBytes() > 0, kWait);
    QVERIFY(app_->status()->stateText().contains("on disk"));
    first_ = chat_->conversationId();
  }

  void regenerateMakesASiblingAndBranchesSwitch() {
    auto* m = app_->messages();
    const qint64 answer = cell(m, 1, MessageListModel::IdRole).toLongLong();
    chat_->settings()->setTemperature(1.5);  // a different answer, most likely
    chat_->settings()->setSeed(7);
    QSignalSpy finished(chat_, &ChatController::answerFinished);
    chat_->regenerate(answer);
    QCOMPARE(m->rowCount(), 2);  // the question and the answer streaming in
    QVERIFY(finished.wait(kWait));
    QCOMPARE(m->rowCount(), 2);
    QCOMPARE(cell(m, 1, MessageListModel::SiblingCountRole).toInt(), 2);
    QCOMPARE(cell(m, 1, MessageListModel::SiblingIndexRole).toInt(), 1);
    const qint64 second = cell(m, 1, MessageListModel::IdRole).toLongLong();
    QVERIFY(second != answer);
    chat_->switchBranch(second, -1);
    QCOMPARE(cell(m, 1, MessageListModel::IdRole).toLongLong(), answer);
    QCOMPARE(cell(m, 1, MessageListModel::SiblingIndexRole).toInt(), 0);
    chat_->switchBranch(answer, +1);
    QCOMPARE(cell(m, 1, MessageListModel::IdRole).toLongLong(), second);
    chat_->settings()->setTemperature(0);
    chat_->settings()->setSeed(0);
  }

  void editMakesANewBranchOfTheQuestion() {
    auto* m = app_->messages();
    const qint64 question = cell(m, 0, MessageListModel::IdRole).toLongLong();
    QSignalSpy finished(chat_, &ChatController::answerFinished);
    QVERIFY(chat_->editMessage(question, "Hello again, who are you?"));
    QVERIFY(finished.wait(kWait));
    QCOMPARE(m->rowCount(), 2);
    QCOMPARE(cell(m, 0, MessageListModel::ContentRole).toString(), "Hello again, who are you?");
    QCOMPARE(cell(m, 0, MessageListModel::SiblingCountRole).toInt(), 2);
    QCOMPARE(cell(m, 1, MessageListModel::SiblingCountRole).toInt(), 1);
    chat_->switchBranch(cell(m, 0, MessageListModel::IdRole).toLongLong(), -1);
    QCOMPARE(cell(m, 0, MessageListModel::IdRole).toLongLong(), question);
    QCOMPARE(cell(m, 1, MessageListModel::SiblingCountRole).toInt(), 2);  // its two answers
  }

  void searchFindsMessagesOfEveryBranch() {
    app_->search()->setQuery("again");
    QCOMPARE(app_->search()->rowCount(), 1);
    QCOMPARE(cell(app_->search(), 0, SearchResultsModel::ConversationIdRole).toLongLong(), first_);
    chat_->openMessage(first_,
                       cell(app_->search(), 0, SearchResultsModel::MessageIdRole).toLongLong());
    QCOMPARE(cell(app_->messages(), 0, MessageListModel::ContentRole).toString(),
             "Hello again, who are you?");
    app_->search()->setQuery({});
  }

  void copyLastAnswer() {
    chat_->copyLastAnswer();
    QCOMPARE(QGuiApplication::clipboard()->text(), app_->messages()->lastAnswer());
  }

  void stopKeepsThePartialAnswer() {
    chat_->newChat();
    QCOMPARE(chat_->conversationId(), 0);
    QCOMPARE(app_->messages()->rowCount(), 0);
    chat_->settings()->setMaxTokens(100000);
    QSignalSpy finished(chat_, &ChatController::answerFinished);
    QVERIFY(chat_->send("Talk forever."));
    QTRY_VERIFY_WITH_TIMEOUT(
        !cell(app_->messages(), 1, MessageListModel::ContentRole).toString().isEmpty(), kWait);
    chat_->stop();
    QVERIFY(finished.wait(kWait));
    QVERIFY(
        cell(app_->messages(), 1, MessageListModel::DetailsRole).toString().contains("stopped"));
    chat_->settings()->setMaxTokens(8);
    second_ = chat_->conversationId();
    QVERIFY(second_ != first_);
    QCOMPARE(app_->conversations()->rowCount(), 2);
  }

  void reopeningAChatResumesFromItsState() {
    QTRY_VERIFY_WITH_TIMEOUT(app_->status()->stateBytes() > 0, kWait);  // second chat saved
    chat_->openChat(first_);
    QCOMPARE(chat_->conversationId(), first_);
    QTRY_VERIFY_WITH_TIMEOUT(app_->status()->resumeText().startsWith("resumed from saved state"),
                             kWait);
    QVERIFY(app_->status()->stateBytes() > 0);
    QSignalSpy finished(chat_, &ChatController::answerFinished);
    QVERIFY(chat_->send("And then?"));
    QVERIFY(finished.wait(kWait));
    QCOMPARE(app_->messages()->rowCount(), 4);
  }

  void sidebarOperations() {
    auto* list = app_->conversations();
    chat_->renameChat(second_, "Renamed");
    QCOMPARE(list->titleOf(second_), "Renamed");
    chat_->setPinned(second_, true);
    QCOMPARE(cell(list, 0, ConversationListModel::IdRole).toLongLong(), second_);
    QCOMPARE(cell(list, 0, ConversationListModel::SectionRole).toString(), "Pinned");
    chat_->openChat(second_);
    chat_->deleteChat(second_);
    QCOMPARE(list->rowCount(), 1);
    QCOMPARE(chat_->conversationId(), 0);  // the open chat was deleted: a new one
    QCOMPARE(app_->messages()->rowCount(), 0);
  }

  void bannersSayWhatWentWrong() {
    auto* banners = app_->banners();
    emit app_->host().worker()->stateSaveFailed(first_, "No space left on device", true);
    QTRY_VERIFY(banners->has("disk-full"));
    QSignalSpy failed(app_->activeModel(), &ActiveModel::loadFailed);
    app_->activeModel()->load(fixture_.filePath("missing-model"));
    QVERIFY(failed.wait(kWait));
    QVERIFY(banners->has("model-load"));
    QVERIFY(!app_->activeModel()->loaded());
    QVERIFY(!chat_->send("no model now"));
    QVERIFY(banners->has("no-model"));
    QSignalSpy loaded(app_->activeModel(), &ActiveModel::modelChanged);
    app_->activeModel()->load(fixture_.model());
    QTRY_VERIFY_WITH_TIMEOUT(app_->activeModel()->loaded(), kWait);
    QVERIFY(!banners->has("model-load"));
  }

  void cleanupTestCase() { app_.reset(); }

 private:
  coil::test::TestApp fixture_;
  std::unique_ptr<AppController> app_;
  ChatController* chat_ = nullptr;
  qint64 first_ = 0, second_ = 0;
};

QTEST_MAIN(TestChatController)
#include "tst_chat_controller.moc"
