// A crash mid-answer loses at most about a second of it: the partial answer is saved as it
// streams, and after a kill -9 it is there, marked interrupted; Continue goes on writing the
// same message, Retry answers again, and a question left unanswered can be retried. A long
// chat without a saved state reports its prefill progress (tokens read of the total), and
// stopping then (Esc) ends the reading.
#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

#include "active_model.hpp"
#include "answer_writer.hpp"
#include "app_controller.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "database.hpp"
#include "message_list_model.hpp"
#include "storage.hpp"
#include "test_app.hpp"

using namespace coil::app;
using coil::storage::Message;

namespace {
constexpr int kWait = 120000;

QVariant cell(const QAbstractItemModel* m, int row, int role) {
  return m->index(row, 0).data(role);
}
}  // namespace

class TestPartialAnswer : public QObject {
  Q_OBJECT

  // An app on the test's data folder, the model loaded, greedy, short answers.
  std::unique_ptr<AppController> openApp() {
    auto app = fixture_.open();
    if (app) {
      app->chat()->settings()->setTemperature(0);
      app->chat()->settings()->setMaxTokens(6);
    }
    return app;
  }

  // The assistant messages of a chat, as stored.
  static QList<Message> answersOf(coil::storage::ChatStore& chats, qint64 chat) {
    QList<Message> out;
    for (const Message& m : chats.messages(chat))
      if (m.role == QLatin1String("assistant")) out << m;
    return out;
  }

 private slots:
  void initTestCase() { QVERIFY(fixture_.isValid()); }

  // The real app layer in a process of its own, killed with SIGKILL while it streams.
  void thePartialAnswerSurvivesAKill() {
    QProcess driver;
    driver.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    driver.start(QStringLiteral(COIL_CHAT_CRASH_DRIVER), {fixture_.dataDir(), fixture_.model()});
    QVERIFY(driver.waitForStarted());
    QVERIFY(driver.waitForReadyRead(kWait));
    QCOMPARE(driver.readLine().trimmed(), QByteArray("sent"));
    // wait until the answer being written shows in the database, then kill at once
    coil::storage::StorageOptions options;
    options.cleanOrphans = false;  // the driver's files are its own
    coil::storage::Storage storage(fixture_.dataDir(), options);
    qint64 chat = 0;
    QString seen;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          const auto all = storage.chats().conversations();
          if (all.isEmpty()) return false;
          chat = all.first().id;
          const auto answers = answersOf(storage.chats(), chat);
          if (answers.isEmpty() || answers.first().content.size() < 20) return false;
          seen = answers.first().content;
          return true;
        }(),
        kWait);
    QCOMPARE(driver.state(), QProcess::Running);  // it was still writing
    driver.kill();
    QVERIFY(driver.waitForFinished());

    const auto answers = answersOf(storage.chats(), chat);
    QCOMPARE(answers.size(), 1);
    QCOMPARE(answers.first().meta.finishReason, QStringLiteral("interrupted"));
    QVERIFY(answers.first().content.startsWith(seen));
    // the chat opens on it
    const auto path = storage.chats().activePath(chat);
    QCOMPARE(path.last().id, answers.first().id);
    chat_ = chat;
    partial_ = answers.first();
  }

  // The killed app's chat opens on its partial answer, marked interrupted.
  void theChatOpensOnThePartialAnswer() {
    QVERIFY(chat_ > 0);
    auto app = openApp();
    QVERIFY(app);
    app->chat()->openChat(chat_);
    auto* list = app->messages();
    QCOMPARE(list->rowCount(), 2);
    QCOMPARE(cell(list, 1, MessageListModel::IdRole).toLongLong(), partial_.id);
    QCOMPARE(cell(list, 1, MessageListModel::FinishRole).toInt(),
             int(MessageListModel::Interrupted));
    QVERIFY(cell(list, 1, MessageListModel::DetailsRole).toString().contains("interrupted"));
  }

  // Continue (on a short partial answer: the killed one holds a second of a fast model's
  // text, long to read again).
  void continueGoesOnInTheSameMessage() {
    auto app = openApp();
    QVERIFY(app);
    auto& chats = app->storage().chats();
    chat_ = chats.createConversation(QStringLiteral("cut off"));
    const qint64 q = chats.addMessage(chat_, 0, QStringLiteral("user"), QStringLiteral("A story?"));
    coil::storage::MessageMeta meta;
    meta.finishReason = QStringLiteral("interrupted");
    const qint64 a = chats.addMessage(chat_, q, QStringLiteral("assistant"),
                                      QStringLiteral("Once upon a"), meta);
    partial_ = *chats.message(a);
    app->chat()->openChat(chat_);
    auto* list = app->messages();
    QCOMPARE(list->rowCount(), 2);
    QCOMPARE(cell(list, 1, MessageListModel::FinishRole).toInt(),
             int(MessageListModel::Interrupted));

    QSignalSpy finished(app->chat(), &ChatController::answerFinished);
    app->chat()->continueAnswer(partial_.id);
    QVERIFY(app->chat()->busy());
    QVERIFY(finished.wait(kWait));
    QCOMPARE(finished.first().first().toLongLong(), partial_.id);  // the same message
    const auto m = app->storage().chats().message(partial_.id);
    QVERIFY(m.has_value());
    QVERIFY(m->content.startsWith(partial_.content));
    QVERIFY2(m->content.size() > partial_.content.size(), "nothing was added");
    QCOMPARE(m->meta.finishReason, QStringLiteral("length"));
    QCOMPARE(answersOf(app->storage().chats(), chat_).size(), 1);
    QCOMPARE(list->rowCount(), 2);
    QCOMPARE(cell(list, 1, MessageListModel::ContentRole).toString(), m->content);

    // Retry: a new answer beside it
    finished.clear();
    app->chat()->regenerate(partial_.id);
    QVERIFY(finished.wait(kWait));
    QCOMPARE(answersOf(app->storage().chats(), chat_).size(), 2);
    QCOMPARE(cell(list, 1, MessageListModel::SiblingCountRole).toInt(), 2);
  }

  void aQuestionLeftUnansweredCanBeRetried() {
    auto app = openApp();
    QVERIFY(app);
    auto& chats = app->storage().chats();
    const qint64 chat = chats.createConversation(QStringLiteral("unanswered"));
    const qint64 question =
        chats.addMessage(chat, 0, QStringLiteral("user"), QStringLiteral("Hi?"));
    app->chat()->openChat(chat);
    QCOMPARE(app->messages()->rowCount(), 1);
    QSignalSpy finished(app->chat(), &ChatController::answerFinished);
    app->chat()->regenerate(question);  // the Retry under the question
    QVERIFY(finished.wait(kWait));
    QVERIFY(finished.first().first().toLongLong() > 0);
    QCOMPARE(app->messages()->rowCount(), 2);
    QCOMPARE(cell(app->messages(), 1, MessageListModel::RoleRole).toString(), "assistant");
  }

  // A long chat with no saved state is read again before the answer: progress as it goes.
  void aLongChatReportsItsPrefillProgress() {
    auto app = openApp();
    QVERIFY(app);
    auto& chats = app->storage().chats();
    const qint64 chat = chats.createConversation(QStringLiteral("long"));
    qint64 parent = 0;
    for (int i = 0; i < 6; ++i) {
      parent = chats.addMessage(chat, parent, QStringLiteral("user"), QString(600, QChar('a' + i)));
      parent = chats.addMessage(chat, parent, QStringLiteral("assistant"), QString(400, 'z'));
    }
    app->chat()->openChat(chat);
    QList<std::pair<qint64, qint64>> seen;
    connect(app->chat(), &ChatController::prefillChanged, this, [&] {
      seen << std::pair{app->chat()->prefillDone(), app->chat()->prefillTotal()};
    });
    QSignalSpy finished(app->chat(), &ChatController::answerFinished);
    QVERIFY(app->chat()->send(QStringLiteral("and now?")));
    QVERIFY(finished.wait(kWait));
    QVERIFY2(seen.size() >= 3, qPrintable(QString::number(seen.size())));
    bool partway = false;
    for (const auto& [done, total] : seen) {
      QVERIFY(done <= total);
      if (done > 0 && done < total) partway = true;
      if (total > 0) QVERIFY(total > 5000);  // ~6000 byte tokens of text to read
    }
    QVERIFY(partway);
    QCOMPARE(app->chat()->prefillTotal(), 0);  // gone once the answer starts
    const auto answer = chats.message(finished.first().first().toLongLong());
    QVERIFY(answer.has_value());
    QVERIFY(answer->meta.promptTokens.value_or(0) > 5000);
  }

  // Esc while the chat is read: the reading stops, no answer is added.
  void stoppingDuringThePrefillEndsIt() {
    auto app = openApp();
    QVERIFY(app);
    auto& chats = app->storage().chats();
    const qint64 chat = chats.createConversation(QStringLiteral("long, stopped"));
    qint64 parent = 0;
    for (int i = 0; i < 8; ++i)
      parent = chats.addMessage(chat, parent,
                                i % 2 ? QStringLiteral("assistant") : QStringLiteral("user"),
                                QString(1000, QChar('k' + i)));
    app->chat()->openChat(chat);
    qint64 stoppedAt = -1, total = 0;
    connect(app->chat(), &ChatController::prefillChanged, this, [&] {
      if (stoppedAt < 0 && app->chat()->prefillDone() > 0) {
        stoppedAt = app->chat()->prefillDone();
        total = app->chat()->prefillTotal();
        app->chat()->stop();
      }
    });
    QSignalSpy finished(app->chat(), &ChatController::answerFinished);
    QVERIFY(app->chat()->send(QStringLiteral("go")));
    QVERIFY(finished.wait(kWait));
    QVERIFY(stoppedAt > 0 && stoppedAt < total);
    QCOMPARE(finished.first().first().toLongLong(), 0);  // nothing was written
    QCOMPARE(app->chat()->prefillTotal(), 0);
    QVERIFY(!app->chat()->busy());
  }

  // #15: the answer's drafts are written on the writer's thread: with the database locked by
  // another connection the window goes on (text streams in, timers fire) while draft saves
  // wait behind the lock; once it is free they are written and the answer is stored whole.
  void draftsAreWrittenOffTheGuiThread() {
    auto app = openApp();
    QVERIFY(app);
    ChatController* chat = app->chat();
    auto* writer = chat->findChild<AnswerWriter*>();
    QVERIFY(writer);
    QVERIFY(writer->writerThread() != QThread::currentThread());
    chat->newChat();
    chat->settings()->setMaxTokens(1 << 20);  // runs until it is stopped
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("Write on while the disk is busy."));
    auto* messages = app->messages();
    const auto streamed = [&] {
      const int n = messages->rowCount();
      return n == 0 ? 0
                    : int(cell(messages, n - 1, MessageListModel::ContentRole).toString().size());
    };
    QTRY_VERIFY_WITH_TIMEOUT(streamed() > 0, kWait);
    coil::storage::Database lock(
        QDir(fixture_.dataDir()).filePath(QLatin1String(coil::storage::Storage::kDatabaseFile)));
    lock.run("BEGIN EXCLUSIVE");
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();
    const int before = streamed();
    // two draft saves (one a second) asked for and waiting behind the lock, the window on
    QTRY_VERIFY_WITH_TIMEOUT(writer->queued() >= 2, 4000);
    QVERIFY(chat->busy());
    QVERIFY2(streamed() > before, "no text streamed in while the database was locked");
    QVERIFY(ticks > 0);
    lock.run("ROLLBACK");
    QTRY_COMPARE_WITH_TIMEOUT(writer->queued(), 0, kWait);
    chat->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kWait);
    const qint64 stored = finished.first().at(0).toLongLong();
    QVERIFY(stored > 0);
    const auto answer = app->storage().chats().message(stored);
    QVERIFY(answer && answer->content.size() >= before);
    QCOMPARE(answer->meta.finishReason, QStringLiteral("cancelled"));
    QVERIFY(!app->banners()->has("storage"));
  }

 private:
  coil::test::TestApp fixture_;
  qint64 chat_ = 0;
  Message partial_;
};

QTEST_MAIN(TestPartialAnswer)
#include "tst_partial_answer.moc"
