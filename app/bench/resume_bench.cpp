// The resume benchmark's measurements, driving the worker as ChatController does.
#include "resume_bench.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <optional>
#include <stdexcept>

#include "bench_chat.hpp"
#include "inference_worker.hpp"
#include "storage.hpp"
#include "transaction.hpp"
#include "worker_host.hpp"

namespace coil::app::bench {

namespace {

// Runs this thread's events until `done` (the worker always answers: no timeout needed).
template <class Done>
void spinUntil(const Done& done) {
  while (!done()) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
}

QString kindName(ResumeReport::Kind k) {
  switch (k) {
    case ResumeReport::Kind::Fresh:
      return QStringLiteral("fresh");
    case ResumeReport::Kind::Continued:
      return QStringLiteral("continued");
    case ResumeReport::Kind::Restored:
      return QStringLiteral("restored");
  }
  return {};
}

// A worker with the model loaded: one app start.
class BenchWorker {
 public:
  BenchWorker(const BenchOptions& o) : host_(o.dataDir, o.engine) {
    std::optional<ModelInfo> info;
    QString failure;
    auto* w = host_.worker();
    const auto a = QObject::connect(w, &InferenceWorker::modelLoaded, &ctx_,
                                    [&](const ModelInfo& i) { info = i; });
    const auto b = QObject::connect(w, &InferenceWorker::modelLoadFailed, &ctx_,
                                    [&](const QString&, const QString& why) { failure = why; });
    host_.load({o.modelDir, o.backend, o.device, o.threads});
    spinUntil([&] { return info || !failure.isEmpty(); });
    QObject::disconnect(a);
    QObject::disconnect(b);
    if (!info) throw std::runtime_error("the model did not load: " + failure.toStdString());
    info_ = *info;
  }

  const ModelInfo& info() const { return info_; }

  struct Answer {
    GenerationResult result;
    double firstTextMs = 0;  // from the request to the first piece of text here
  };

  Answer ask(qint64 conversation, qint64 anchor, const QList<ChatTurn>& turns, int maxTokens) {
    GenerateRequest r;
    r.conversationId = conversation;
    r.anchorMessageId = anchor;
    r.turns = turns;
    r.sampling.temperature = 0;  // greedy: every reopening answers the same
    r.sampling.repetition_penalty = 1;
    r.maxTokens = maxTokens;
    std::optional<GenerationResult> result;
    QString failure;
    Answer out;
    qint64 id = 0;
    QElapsedTimer timer;
    auto* w = host_.worker();
    const auto a = QObject::connect(w, &InferenceWorker::textGenerated, &ctx_,
                                    [&](qint64 rid, const QString&) {
                                      if (rid == id && out.firstTextMs == 0)
                                        out.firstTextMs = double(timer.nsecsElapsed()) / 1e6;
                                    });
    const auto b = QObject::connect(w, &InferenceWorker::generationFinished, &ctx_,
                                    [&](const GenerationResult& g) {
                                      if (g.requestId == id) result = g;
                                    });
    const auto c = QObject::connect(w, &InferenceWorker::generationFailed, &ctx_,
                                    [&](qint64 rid, const QString& why) {
                                      if (rid == id) failure = why;
                                    });
    timer.start();
    id = host_.generate(r);
    spinUntil([&] { return result || !failure.isEmpty(); });
    QObject::disconnect(a);
    QObject::disconnect(b);
    QObject::disconnect(c);
    if (!result) throw std::runtime_error("generation failed: " + failure.toStdString());
    if (out.firstTextMs == 0)  // the first token ended the answer: it was known at the end
      out.firstTextMs = double(timer.nsecsElapsed()) / 1e6;
    out.result = *result;
    return out;
  }

  // Saves the state the answer left as the checkpoint after `messageId`: bytes and ms.
  std::pair<qint64, double> saveState(qint64 requestId, qint64 messageId) {
    std::optional<std::pair<qint64, double>> saved;
    QString failure;
    auto* w = host_.worker();
    const auto a = QObject::connect(
        w, &InferenceWorker::stateSaved, &ctx_,
        [&](qint64, qint64, qint64 bytes, double ms) { saved = std::make_pair(bytes, ms); });
    const auto b = QObject::connect(w, &InferenceWorker::stateSaveFailed, &ctx_,
                                    [&](qint64, const QString& why, bool) { failure = why; });
    host_.saveState(requestId, messageId);
    spinUntil([&] { return saved || !failure.isEmpty(); });
    QObject::disconnect(a);
    QObject::disconnect(b);
    if (!saved) throw std::runtime_error("saving the state failed: " + failure.toStdString());
    return *saved;
  }

 private:
  WorkerHost host_;
  QObject ctx_;  // on this thread: the worker's signals reach the lambdas here, queued
  ModelInfo info_;
};

// Reopens the chat `repeat` times, each in a fresh worker, and asks the follow-up.
Reopening reopen(const BenchOptions& o, qint64 conversation, qint64 anchor,
                 const QList<ChatTurn>& turns) {
  Reopening out;
  for (int i = 0; i < o.repeat; ++i) {
    BenchWorker worker(o);
    const auto a = worker.ask(conversation, anchor, turns, 4);
    const ResumeReport& r = a.result.resume;
    const QString kind = kindName(r.kind);
    if (!out.kind.isEmpty() && out.kind != kind)
      throw std::runtime_error("reopening " + std::to_string(i + 1) + " was " + kind.toStdString() +
                               ", the first " + out.kind.toStdString());
    out.kind = kind;
    out.ttftMs << a.firstTextMs;
    out.restoreMs = r.restoreMs;
    out.promptTokens = a.result.promptTokens;
    out.stateTokens = r.stateTokens;
    if (!r.discarded.isEmpty()) out.discarded = r.discarded;
  }
  return out;
}

SizeResult measure(const BenchOptions& o, storage::Storage& storage, qint64 target,
                   const std::function<void(QString)>& log) {
  SizeResult out;
  out.targetTokens = target;
  const BenchChat chat = makeBenchChat(o.modelDir, target);
  auto& chats = storage.chats();
  const qint64 conv =
      chats.createConversation(QStringLiteral("resume bench, %1 tokens").arg(target));
  qint64 last = 0;
  {
    storage::Transaction tx(storage.db());  // one commit for the whole history
    for (const ChatTurn& t : chat.history) last = chats.addMessage(conv, last, t.role, t.content);
    tx.commit();
  }
  log(QStringLiteral("%1 tokens: %2 messages written, answering and saving the state")
          .arg(chat.tokens)
          .arg(chat.history.size()));

  // The chat as it was used: the worker answers the last question, the app stores the
  // answer and asks the worker to save the state after it.
  QList<ChatTurn> turns = chat.history;
  qint64 answerId = 0;
  {
    BenchWorker worker(o);
    const auto a = worker.ask(conv, last, turns, 24);
    if (a.result.text.isEmpty()) throw std::runtime_error("the model gave an empty answer");
    answerId = chats.addMessage(conv, last, QStringLiteral("assistant"), a.result.text);
    const auto [bytes, ms] = worker.saveState(a.result.requestId, answerId);
    out.stateBytes = bytes;
    out.stateSaveMs = ms;
    out.chatTokens = a.result.promptTokens + a.result.completionTokens;
    turns << ChatTurn{QStringLiteral("assistant"), a.result.text};
  }
  // Reopened later with a new question.
  const int followUp = int(chat.history.size() / 2) + 1;
  turns << benchQuestion(followUp);
  const qint64 question = chats.addMessage(conv, answerId, turns.last().role, turns.last().content);
  out.messages = int(turns.size());

  log(QStringLiteral("%1 tokens: reopening with the saved state").arg(chat.tokens));
  out.resumed = reopen(o, conv, question, turns);
  for (const auto& c : storage.states().checkpoints(conv)) storage.states().discard(c.id);
  log(QStringLiteral("%1 tokens: reopening with the state deleted").arg(chat.tokens));
  out.reprefilled = reopen(o, conv, question, turns);
  return out;
}

}  // namespace

double Reopening::medianMs() const {
  if (ttftMs.isEmpty()) return 0;
  QList<double> s = ttftMs;
  std::sort(s.begin(), s.end());
  const qsizetype n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

BenchRun runResumeBench(const BenchOptions& options, storage::Storage& storage,
                        const QList<qint64>& sizes, const std::function<void(QString)>& log) {
  BenchRun run;
  {
    BenchWorker probe(options);
    run.model = probe.info().name;
    run.backend = probe.info().backend;
    run.device = probe.info().device;
    run.threads = probe.info().threads;
  }
  run.repeat = options.repeat;
  for (qint64 n : sizes) run.sizes << measure(options, storage, n, log);
  return run;
}

}  // namespace coil::app::bench
