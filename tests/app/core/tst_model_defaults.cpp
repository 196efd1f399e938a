// The app starts a chat from the loaded model's generation_config.json (a greedy model is
// answered greedily, its max_new_tokens is the answer length), and what the user changes
// wins over it, is kept by the chat, and "Reset" goes back to the model's values. A message
// sent while the model still loads is answered with the model's values too.
#include <QFile>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "inference_worker.hpp"
#include "storage.hpp"
#include "test_app.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;

void writeFile(const QString& path, const QByteArray& data) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(data), data.size());
}
}  // namespace

class TestModelDefaults : public QObject {
  Q_OBJECT

  // The last answer's stored metadata of the open chat.
  QJsonObject lastAnswerSampling() {
    const auto msgs = app_->storage().chats().activePath(app_->chat()->conversationId());
    return msgs.isEmpty() ? QJsonObject() : msgs.last().meta.sampling;
  }

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    // as the demo model ships it: greedy, short answers
    writeFile(fixture_.model() + "/generation_config.json",
              R"({"do_sample": false, "max_new_tokens": 5, "top_k": 3})");
    app_ = fixture_.open();
    QVERIFY(app_);
  }

  void aNewChatStartsFromTheModelsDefaults() {
    ChatSettings* s = app_->chat()->settings();
    QCOMPARE(s->temperature(), 0.0);  // do_sample false: greedy (Coil's own default is 0.8)
    QCOMPARE(s->maxTokens(), 5);      // max_new_tokens
    QCOMPARE(s->repetitionPenalty(), 1.0);
    QVERIFY(s->overrides().isEmpty());

    QSignalSpy finished(app_->chat(), &ChatController::answerFinished);
    QVERIFY(app_->chat()->send("Hello"));
    QVERIFY(finished.wait(kWait));
    const QJsonObject used = lastAnswerSampling();
    QCOMPARE(used.value("temperature").toDouble(-1), 0.0);
    QCOMPARE(used.value("max_tokens").toInt(), 5);
    // the chat stores no values of its own: it follows its model
    const auto c = app_->storage().chats().conversation(app_->chat()->conversationId());
    QVERIFY(c.has_value());
    QVERIFY2(c->sampling.isEmpty(), QJsonDocument(c->sampling).toJson().constData());
  }

  void whatTheUserChangesWinsAndIsKept() {
    ChatSettings* s = app_->chat()->settings();
    const qint64 chat = app_->chat()->conversationId();
    s->setTemperature(0.7);
    s->setMaxTokens(3);
    QCOMPARE(s->temperature(), double(0.7f));
    QCOMPARE(s->topK(), coil::SamplingParams{}.top_k);  // greedy: the file's top_k does not apply

    QSignalSpy finished(app_->chat(), &ChatController::answerFinished);
    QVERIFY(app_->chat()->send("Again"));
    QVERIFY(finished.wait(kWait));
    const QJsonObject used = lastAnswerSampling();
    QCOMPARE(used.value("temperature").toDouble(), double(0.7f));
    QCOMPARE(used.value("max_tokens").toInt(), 3);
    const auto msgs = app_->storage().chats().activePath(chat);
    QCOMPARE(msgs.last().meta.completionTokens, 3);

    // reopened, the chat keeps the user's values over the model's
    app_->chat()->newChat();
    QCOMPARE(s->temperature(), 0.0);
    app_->chat()->openChat(chat);
    QCOMPARE(s->temperature(), double(0.7f));
    QCOMPARE(s->maxTokens(), 3);

    s->resetToDefaults();
    QCOMPARE(s->temperature(), 0.0);
    QCOMPARE(s->maxTokens(), 5);
    QVERIFY(app_->storage().chats().conversation(chat)->sampling.isEmpty());
  }

  // A message sent while its model loads: the request carries the user's changes, the worker
  // puts them over the model's defaults when the answer starts.
  void theWorkerAppliesTheModelsDefaultsWhenTheAnswerStarts() {
    GenerateRequest r;
    r.turns = {ChatTurn{QStringLiteral("user"), QStringLiteral("Hi")}};
    r.sampling.temperature = 0.8f;  // what a chat without a model would have sent
    r.maxTokens = 512;
    r.samplingOverrides = QJsonObject{{"top_k", 1}};
    QSignalSpy done(app_->host().worker(), &InferenceWorker::generationFinished);
    app_->host().generate(r);
    QVERIFY(done.wait(kWait));
    const auto result = done.first().first().value<GenerationResult>();
    QCOMPARE(result.completionTokens, 5);  // the model's max_new_tokens, not 512
  }

 private:
  coil::test::TestApp fixture_;
  std::unique_ptr<AppController> app_;
};

QTEST_MAIN(TestModelDefaults)
#include "tst_model_defaults.moc"
