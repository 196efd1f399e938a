// Resuming a chat from its saved state gives the same next-token logits as the session
// that never stopped, and the same as re-prefilling the same token path; the worker
// restores the nearest checkpoint (latest state, or the one before an edit) and falls back
// to re-prefilling when a state is corrupt, has no covered text or belongs to another model.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <filesystem>

#include "chat_store.hpp"
#include "coil/chat_session.hpp"
#include "coil/model.hpp"
#include "coil/state.hpp"
#include "coil/tokenizer.hpp"
#include "database.hpp"
#include "fixture_model.hpp"
#include "inference_worker.hpp"
#include "signal_log.hpp"
#include "state_store.hpp"
#include "storage.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {

constexpr int kWait = 120000;

coil::GenerateOptions greedy(int maxTokens) {
  coil::GenerateOptions o;
  o.sampling.temperature = 0;
  o.sampling.repetition_penalty = 1;
  o.max_tokens = maxTokens;
  return o;
}

std::vector<float> logitsAfter(coil::Session& s, const std::vector<int32_t>& ids) {
  std::vector<float> out(size_t(s.model().config().vocab_size));
  s.eval(ids, out.data());
  return out;
}

float maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// A worker with the data folder's state store and a model, ready to answer.
struct Worker {
  explicit Worker(const QString& dataDir, const QString& model,
                  const QString& weights = QStringLiteral("stored"))
      : host(dataDir) {
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    LoadRequest request{model, "cpu"};
    request.weights = weights;  // Settings > Weights
    host.load(request);
    if (!loaded.waitNext()) qFatal("the model did not load");
    info = loaded.first().at(0).value<ModelInfo>();
  }
  GenerationResult answer(qint64 conversation, qint64 anchor, const QList<ChatTurn>& turns) {
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::generationFailed);
    GenerateRequest r;
    r.conversationId = conversation;
    r.anchorMessageId = anchor;
    r.turns = turns;
    r.sampling.temperature = 0;
    r.sampling.repetition_penalty = 1;
    r.maxTokens = 12;
    host.generate(r);
    for (int i = 0; i < kWait / 50 && finished.isEmpty() && failed.isEmpty(); ++i) QTest::qWait(50);
    if (finished.isEmpty() && failed.isEmpty()) qFatal("no answer");
    if (!failed.isEmpty()) qFatal("no answer: %s", qPrintable(failed.first().at(1).toString()));
    return finished.first().at(0).value<GenerationResult>();
  }
  bool save(qint64 requestId, qint64 messageId) {
    coil::test::SignalLog saved(host.worker(), &InferenceWorker::stateSaved);
    host.saveState(requestId, messageId);
    return saved.waitNext();
  }
  ResumeReport prepare(qint64 conversation, qint64 leaf, const QList<ChatTurn>& turns) {
    coil::test::SignalLog prepared(host.worker(), &InferenceWorker::prepared);
    host.prepare({conversation, leaf, turns});
    if (!prepared.waitNext()) qFatal("not prepared");
    return prepared.first().at(0).value<ResumeReport>();
  }
  WorkerHost host;
  ModelInfo info;
};

}  // namespace

class TestResume : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    model_ = coil::test::makeFixtureModel(tmp_.filePath("model"), "falcon-tiny-f32", true);
    other_ = coil::test::makeFixtureModel(tmp_.filePath("other"), "falcon-tiny-bf16", true);
  }

  // The engine path the app relies on: state file round trip and re-prefill.
  void restoredStateGivesTheSameNextTokenLogits() {
    const std::filesystem::path dir(model_.toStdString());
    coil::ModelOptions cpu;
    cpu.backend = "cpu";
    auto model = coil::Model::open(dir, cpu);
    auto tok = coil::Tokenizer::load(dir);
    const auto config = coil::ChatConfig::load(dir);
    coil::ChatSession live(*model, *tok, config);
    std::vector<coil::ChatMessage> msgs{{"user", "What is two plus two?"}};
    const auto prompt = live.chat_template().render(msgs, true);
    const auto r = live.reply(msgs, greedy(16), nullptr);
    QCOMPARE(int(r.tokens.size()), 16);

    const auto file = std::filesystem::path(tmp_.filePath("live.coilstate").toStdString());
    coil::write_state_file(file, live.session().save_state());

    coil::ChatSession resumed(*model, *tok, config);
    resumed.restore(coil::read_state_file(file, model->fingerprint()), live.covered_text());
    QCOMPARE(resumed.session().n_tokens(), live.session().n_tokens());
    QCOMPARE(resumed.session().token_hash(), live.session().token_hash());

    // The same token path from scratch: the prompt, then the answer token by token.
    coil::Session rebuilt(*model);
    const auto promptIds = tok->encode(prompt, true);
    rebuilt.eval(promptIds, nullptr);
    for (int32_t id : r.tokens) rebuilt.eval(std::span<const int32_t>(&id, 1), nullptr);
    QCOMPARE(rebuilt.token_hash(), live.session().token_hash());

    const auto next = tok->encode("<|im_start|>user\nAnd three more?", true);
    const auto a = logitsAfter(live.session(), next);
    const auto b = logitsAfter(resumed.session(), next);
    const auto c = logitsAfter(rebuilt, next);
    QVERIFY(a == b);  // bit for bit: the same state
    QVERIFY2(maxAbsDiff(a, c) < 1e-4f, qPrintable(QString::number(maxAbsDiff(a, c))));
  }

  // Through the worker and the data folder, as the app does after a restart.
  void reopenedChatResumesInsteadOfPrefilling() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("resume");
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hello there, how are you today?");
    QList<ChatTurn> turns{{"user", "Hello there, how are you today?"}};

    QString liveAnswer2;
    qint64 a1 = 0;
    {
      Worker w(data.path(), model_);
      const auto r1 = w.answer(conv, u1, turns);
      QCOMPARE(r1.resume.kind, ResumeReport::Kind::Fresh);
      a1 = chats.addMessage(conv, u1, "assistant", r1.text);
      QVERIFY(w.save(r1.requestId, a1));
      turns << ChatTurn{"assistant", r1.text} << ChatTurn{"user", "Tell me more."};
      const qint64 u2 = chats.addMessage(conv, a1, "user", "Tell me more.");
      const auto r2 = w.answer(conv, u2, turns);
      QCOMPARE(r2.resume.kind, ResumeReport::Kind::Continued);
      liveAnswer2 = r2.text;
    }
    const auto cp = storage->states().latest(conv);
    QVERIFY(cp.has_value());
    QCOMPARE(cp->messageId, a1);
    // The text the state covers is in its row (no covered/ files any more).
    const auto text = storage->states().load(*cp).coveredText;
    QVERIFY(text.has_value());
    QVERIFY(text->contains("Hello there, how are you today?"));
    QVERIFY(!QDir(data.path()).exists(QStringLiteral("covered")));

    // "Restart": a new worker finds the state on disk and only prefills the new turn.
    Worker w(data.path(), model_);
    const qint64 u2 = chats.children(conv, a1).first().id;
    const auto report = w.prepare(conv, a1, turns.mid(0, 2));
    QCOMPARE(report.kind, ResumeReport::Kind::Restored);
    QVERIFY(report.stateTokens > 0);
    const auto r2 = w.answer(conv, u2, turns);
    QCOMPARE(r2.resume.kind, ResumeReport::Kind::Continued);  // prepared just before
    QCOMPARE(r2.text, liveAnswer2);  // the same state, the same greedy answer

    // Against a worker with no saved state: it prefills everything.
    QTemporaryDir empty;
    coil::storage::Storage emptyStorage(empty.path());
    Worker fresh(empty.path(), model_);
    const auto full = fresh.answer(1, 0, turns);
    QCOMPARE(full.resume.kind, ResumeReport::Kind::Fresh);
    QVERIFY2(full.promptTokens > r2.promptTokens * 2,
             qPrintable(QStringLiteral("%1 vs %2").arg(full.promptTokens).arg(r2.promptTokens)));
  }

  void regenerateResumesFromTheCheckpointBeforeTheChange() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("branches");
    Worker w(data.path(), model_);
    QList<ChatTurn> turns{{"user", "First question, rather long to make a difference."}};
    const qint64 u1 = chats.addMessage(conv, 0, "user", turns[0].content);
    const auto r1 = w.answer(conv, u1, turns);
    const qint64 a1 = chats.addMessage(conv, u1, "assistant", r1.text);
    QVERIFY(w.save(r1.requestId, a1));
    turns << ChatTurn{"assistant", r1.text} << ChatTurn{"user", "Second."};
    const qint64 u2 = chats.addMessage(conv, a1, "user", "Second.");
    const auto r2 = w.answer(conv, u2, turns);
    const qint64 a2 = chats.addMessage(conv, u2, "assistant", r2.text);
    QVERIFY(w.save(r2.requestId, a2));

    // Regenerate A2: the session covers A2, which the new answer must not see; the
    // worker goes back to A1's checkpoint and prefills only "Second." + the prompt.
    const auto again = w.answer(conv, u2, turns);
    QCOMPARE(again.resume.kind, ResumeReport::Kind::Restored);
    QCOMPARE(again.promptTokens, r2.promptTokens);  // only the new question, as the first time
    QCOMPARE(again.text, r2.text);                  // greedy: the same path, the same answer

    // Edit U1: nothing before it is saved, so everything is prefilled.
    const qint64 u1b = chats.editMessage(u1, "An edited first question.");
    const auto edited = w.answer(conv, u1b, {{"user", "An edited first question."}});
    QCOMPARE(edited.resume.kind, ResumeReport::Kind::Fresh);
  }

  void corruptStateFallsBackToPrefilling() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("corrupt");
    QList<ChatTurn> turns{{"user", "Hi!"}};
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hi!");
    qint64 a1 = 0;
    {
      Worker w(data.path(), model_);
      const auto r = w.answer(conv, u1, turns);
      a1 = chats.addMessage(conv, u1, "assistant", r.text);
      QVERIFY(w.save(r.requestId, a1));
      turns << ChatTurn{"assistant", r.text};
    }
    const auto cp = storage->states().latest(conv);
    QVERIFY(cp);
    {
      QFile f(storage->states().absolutePath(*cp));
      QVERIFY(f.open(QIODevice::ReadWrite));
      f.seek(f.size() / 2);
      const char byte = f.peek(1).at(0);
      f.write(QByteArray(1, char(byte ^ 0x5a)));
    }
    Worker w(data.path(), model_);
    const auto report = w.prepare(conv, a1, turns);
    QCOMPARE(report.kind, ResumeReport::Kind::Fresh);
    QVERIFY2(report.discarded.contains("checksum") || report.discarded.contains("corrupt"),
             qPrintable(report.discarded));
    QVERIFY(!storage->states().latest(conv));  // discarded, never used again
    turns << ChatTurn{"user", "Still there?"};
    const qint64 u2 = chats.addMessage(conv, a1, "user", "Still there?");
    const auto r = w.answer(conv, u2, turns);  // re-prefills from the text
    QCOMPARE(r.resume.kind, ResumeReport::Kind::Fresh);
    QVERIFY(r.completionTokens > 0);
  }

  void stateWithoutItsTextIsNotUsed() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("no text");
    QList<ChatTurn> turns{{"user", "Hi!"}};
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hi!");
    qint64 a1 = 0;
    {
      Worker w(data.path(), model_);
      const auto r = w.answer(conv, u1, turns);
      a1 = chats.addMessage(conv, u1, "assistant", r.text);
      QVERIFY(w.save(r.requestId, a1));
      turns << ChatTurn{"assistant", r.text};
    }
    storage->db().run("UPDATE state_checkpoints SET covered_text = NULL");
    Worker w(data.path(), model_);
    const auto report = w.prepare(conv, a1, turns);
    QCOMPARE(report.kind, ResumeReport::Kind::Fresh);
    QVERIFY2(report.discarded.contains("missing"), qPrintable(report.discarded));
    QVERIFY(!storage->states().latest(conv));  // discarded: the chat is re-prefilled
  }

  void anotherModelDoesNotUseTheState() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("switch");
    QList<ChatTurn> turns{{"user", "Hi!"}};
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hi!");
    qint64 a1 = 0;
    {
      Worker w(data.path(), model_);
      const auto r = w.answer(conv, u1, turns);
      a1 = chats.addMessage(conv, u1, "assistant", r.text);
      QVERIFY(w.save(r.requestId, a1));
      turns << ChatTurn{"assistant", r.text};
    }
    Worker w(data.path(), other_);
    const auto report = w.prepare(conv, a1, turns);
    QCOMPARE(report.kind, ResumeReport::Kind::Fresh);
    QVERIFY(report.discarded.isEmpty());      // not an error: just not this model's
    QVERIFY(storage->states().latest(conv));  // and kept for the model it belongs to
  }

  // #12: a state saved with the folder run 4-bit (Settings > Weights) is not the state of the
  // same folder as stored: the fingerprints differ, so it is not restored there (the chat is
  // re-read) and kept for the 4-bit weights, which restore it.
  void stateOfQ4WeightsIsNotUsedWithStoredWeights() {
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("weights");
    QList<ChatTurn> turns{{"user", "Hi!"}};
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hi!");
    qint64 a1 = 0;
    quint64 q4 = 0;
    {
      Worker w(data.path(), model_, "q4_k");
      QVERIFY(w.info.quant.startsWith(QLatin1String("Q4_K")));
      q4 = w.info.fingerprint;
      const auto r = w.answer(conv, u1, turns);
      a1 = chats.addMessage(conv, u1, "assistant", r.text);
      QVERIFY(w.save(r.requestId, a1));
      turns << ChatTurn{"assistant", r.text};
    }
    {
      Worker stored(data.path(), model_, "stored");
      QCOMPARE(stored.info.quant, QString());
      QVERIFY(stored.info.fingerprint != q4);
      const auto report = stored.prepare(conv, a1, turns);
      QCOMPARE(report.kind, ResumeReport::Kind::Fresh);  // re-read, never mixed
      QVERIFY(report.discarded.isEmpty());
      QVERIFY(storage->states().latest(conv));
    }
    Worker again(data.path(), model_, "q4_k");
    QCOMPARE(again.info.fingerprint, q4);
    QCOMPARE(again.prepare(conv, a1, turns).kind, ResumeReport::Kind::Restored);
  }

  void stateOfOtherTextIsNotUsed() {
    // The system prompt changed since the state was saved: the text decides.
    QTemporaryDir data;
    auto storage = std::make_unique<coil::storage::Storage>(data.path());
    auto& chats = storage->chats();
    const qint64 conv = chats.createConversation("system");
    const qint64 u1 = chats.addMessage(conv, 0, "user", "Hi!");
    Worker w(data.path(), model_);
    const auto r = w.answer(conv, u1, {{"user", "Hi!"}});
    const qint64 a1 = chats.addMessage(conv, u1, "assistant", r.text);
    QVERIFY(w.save(r.requestId, a1));
    Worker w2(data.path(), model_);
    const auto report =
        w2.prepare(conv, a1, {{"system", "Be brief."}, {"user", "Hi!"}, {"assistant", r.text}});
    QCOMPARE(report.kind, ResumeReport::Kind::Fresh);
  }

 private:
  QTemporaryDir tmp_;
  QString model_, other_;
};

QTEST_GUILESS_MAIN(TestResume)
#include "tst_resume.moc"
