// Chatting with a document: the worker reads the attached document into the state in
// pieces with progress, saves the state right after it as a checkpoint of the question's
// message, and every later question about it (the next turn, or a new question branched
// beside the first) prefills only its own tokens. Stopping while reading leaves no
// checkpoint and a usable chat. The fixture model's tokenizer is byte-level: a token is a
// byte, so the prefilled counts are checked exactly.
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>

#include "chat_store.hpp"
#include "coil/chat.hpp"
#include "fixture_model.hpp"
#include "inference_worker.hpp"
#include "signal_log.hpp"
#include "state_store.hpp"
#include "storage.hpp"
#include "worker_host.hpp"

using namespace coil::app;
using coil::storage::Attachment;
using coil::storage::Message;

namespace {

// The turns of the path to messageId as ChatController builds them.
QList<ChatTurn> turnsTo(const coil::storage::ChatStore& chats, qint64 messageId) {
  QList<ChatTurn> turns;
  for (const Message& m : chats.pathTo(messageId))
    turns << ChatTurn{m.role, coil::storage::promptContent(m),
                      int(coil::storage::documentBlocks(m.attachments).size())};
  return turns;
}

QString longDocument(int sentences) {
  QString text;
  for (int i = 0; i < sentences; ++i)
    text += QStringLiteral("Sentence %1 of the report says the river is %2 metres wide.\n")
                .arg(i)
                .arg(i * 7 % 100);
  return text;
}

struct Worker {
  Worker(const QString& dataDir, const QString& model) : host(dataDir) {
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.load({model, "cpu"});
    if (!loaded.waitNext()) qFatal("the model did not load");
  }
  GenerationResult answer(const coil::storage::ChatStore& chats, qint64 conversation, qint64 anchor,
                          const QList<qint64>& documentIds = {}) {
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::generationFailed);
    progress =
        std::make_unique<coil::test::SignalLog>(host.worker(), &InferenceWorker::readingProgress);
    GenerateRequest r;
    r.conversationId = conversation;
    r.anchorMessageId = anchor;
    r.turns = turnsTo(chats, anchor);
    r.sampling.temperature = 0;
    r.sampling.repetition_penalty = 1;
    r.maxTokens = 6;
    r.documentMessageIds = documentIds;
    host.generate(r);
    if (!QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 600000))
      qFatal("no answer");
    if (!failed.isEmpty()) qFatal("no answer: %s", qPrintable(failed.first().at(1).toString()));
    QTest::qWait(0);  // the progress signals queued before the answer
    return finished.first().at(0).value<GenerationResult>();
  }
  bool save(qint64 requestId, qint64 messageId) {
    coil::test::SignalLog saved(host.worker(), &InferenceWorker::stateSaved);
    host.saveState(requestId, messageId);
    return saved.waitNext();
  }
  WorkerHost host;
  std::unique_ptr<coil::test::SignalLog> progress;
};

// The prompt as the worker renders it (with the generation prompt).
std::string rendered(const QString& modelDir, const QList<ChatTurn>& turns) {
  const auto config = coil::ChatConfig::load(std::filesystem::path(modelDir.toStdString()));
  std::vector<coil::ChatMessage> messages;
  for (const ChatTurn& t : turns)
    messages.push_back({t.role.toStdString(), t.content.toStdString()});
  return config.make_template().render(messages, true, config.bos_token, config.eos_token);
}

// Bytes (= tokens) the question's turn adds after the document: the rendered prompt past
// the closing tag of the document block.
qint64 questionTokens(const QString& modelDir, const QList<ChatTurn>& turns) {
  const std::string text = rendered(modelDir, turns);
  return qint64(text.size() - (text.rfind("</document>") + 11));
}

}  // namespace

class TestDocuments : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString model_;

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    model_ = coil::test::makeFixtureModel(tmp_.filePath("model"), "falcon-tiny-f32", true);
  }

  void readOnceThenAskOnlyTheQuestion() {
    QTemporaryDir data;
    coil::storage::Storage storage(data.path());
    auto& chats = storage.chats();
    const QString doc = longDocument(60);  // ~3.6k tokens
    const Attachment a{QStringLiteral("river.txt"), doc.size(), QStringLiteral("Text"), 0, doc};
    const qint64 conv = chats.createConversation("doc");
    const qint64 q1 =
        chats.addMessage(conv, 0, "user", QStringLiteral("How wide is the river?"), {}, true, {a});

    Worker w(data.path(), model_);
    coil::test::SignalLog checkpointSaved(w.host.worker(),
                                          &InferenceWorker::documentCheckpointSaved);
    const GenerationResult r1 = w.answer(chats, conv, q1, {q1});
    // The document was read in pieces, the bar ending at the total.
    const qint64 docTokens = r1.documentTokens;
    QVERIFY2(docTokens > doc.size(), qPrintable(QString::number(docTokens)));
    QVERIFY2(w.progress->count() >= 10, qPrintable(QString::number(w.progress->count())));
    QCOMPARE(w.progress->last().at(1).toLongLong(), docTokens);
    QCOMPARE(w.progress->last().at(2).toLongLong(), docTokens);
    QVERIFY(w.progress->first().at(1).toLongLong() < docTokens);
    QCOMPARE(r1.promptTokens, docTokens + questionTokens(model_, turnsTo(chats, q1)));

    // The state right after the document: a checkpoint of the question's message, not the
    // chat's latest, covering the text up to the document's closing tag.
    QVERIFY(checkpointSaved.wait());
    QCOMPARE(checkpointSaved.first().at(1).toLongLong(), q1);
    QCOMPARE(checkpointSaved.first().at(2).toLongLong(), docTokens);
    const auto cps = storage.states().checkpoints(conv);
    QCOMPARE(cps.size(), 1);
    QCOMPARE(cps[0].messageId, q1);
    QVERIFY(!cps[0].isLatest);
    QCOMPARE(cps[0].tokenCount, docTokens);
    const QByteArray covered = *storage.states().load(cps[0]).coveredText;
    QVERIFY2(covered.endsWith("</document>"), covered.right(40).constData());

    // The next question in the same chat: the document is not read again.
    const qint64 a1 = chats.addMessage(conv, q1, "assistant", r1.text);
    QVERIFY(w.save(r1.requestId, a1));
    const qint64 q2 = chats.addMessage(conv, a1, "user", QStringLiteral("And its depth?"));
    const GenerationResult r2 = w.answer(chats, conv, q2);
    QCOMPARE(r2.documentTokens, 0);
    QCOMPARE(w.progress->count(), 0);
    // exactly what follows the first answer: its end of turn and the new question's turn
    const qint64 afterAnswer =
        qint64(rendered(model_, turnsTo(chats, q1)).size()) + r1.text.toUtf8().size();
    QCOMPARE(r2.promptTokens, qint64(rendered(model_, turnsTo(chats, q2)).size()) - afterAnswer);
    QVERIFY2(r2.promptTokens < 100, qPrintable(QString::number(r2.promptTokens)));

    // "New question about this document" after a restart: a sibling of the first question
    // with the same attachment starts from the document's checkpoint on disk.
    const qint64 q1b = chats.editMessage(q1, QStringLiteral("Who wrote the report?"));
    QCOMPARE(chats.message(q1b)->attachments, QList<Attachment>{a});
    Worker restarted(data.path(), model_);
    const GenerationResult r3 = restarted.answer(chats, conv, q1b, {q1b, q1});
    QCOMPARE(r3.resume.kind, ResumeReport::Kind::Restored);
    QCOMPARE(r3.resume.stateTokens, docTokens);
    QCOMPARE(r3.documentTokens, 0);
    QCOMPARE(restarted.progress->count(), 0);
    QCOMPARE(r3.promptTokens, questionTokens(model_, turnsTo(chats, q1b)));
    QVERIFY(r3.promptTokens < 64);

    // Without the hint, the same sibling re-reads the whole document.
    Worker plain(data.path(), model_);
    const GenerationResult r4 = plain.answer(chats, conv, q1b, {q1b});
    QCOMPARE(r4.documentTokens, docTokens);
  }

  void stopWhileReadingLeavesNoCheckpoint() {
    QTemporaryDir data;
    coil::storage::Storage storage(data.path());
    auto& chats = storage.chats();
    const QString doc = longDocument(120);
    const qint64 conv = chats.createConversation("stop");
    const qint64 q1 = chats.addMessage(conv, 0, "user", QStringLiteral("Summary?"), {}, true,
                                       {{QStringLiteral("big.txt"), doc.size(), {}, 0, doc}});
    Worker w(data.path(), model_);
    // Stop as soon as the first piece is read (on the worker's thread, so it is exact).
    InferenceWorker* worker = w.host.worker();
    QObject::connect(
        worker, &InferenceWorker::readingProgress, worker,
        [worker](qint64 id, qint64, qint64, double) { worker->requestStop(id); },
        Qt::DirectConnection);
    const GenerationResult r = w.answer(chats, conv, q1, {q1});
    QCOMPARE(r.finishReason, QStringLiteral("cancelled"));
    QVERIFY(r.text.isEmpty());
    QVERIFY(!r.stateReady);
    QCOMPARE(w.progress->count(), 1);
    QVERIFY(storage.states().checkpoints(conv).isEmpty());
    // The chat is still usable: asking again reads the document and answers.
    QObject::disconnect(worker, &InferenceWorker::readingProgress, worker, nullptr);
    const GenerationResult again = w.answer(chats, conv, q1, {q1});
    QCOMPARE(again.finishReason.isEmpty(), false);
    QVERIFY(again.finishReason != QStringLiteral("cancelled"));
    QVERIFY(again.documentTokens > doc.size());
    QCOMPARE(storage.states().checkpoints(conv).size(), 1);
  }
};

QTEST_MAIN(TestDocuments)
#include "tst_documents.moc"
