// The resume benchmark's measurements, driving the worker as ChatController does.
#include "resume_bench.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <optional>
#include <stdexcept>

#include "bench_args.hpp"
#include "bench_chat.hpp"
#include "bench_worker.hpp"
#include "inference_worker.hpp"
#include "storage.hpp"
#include "transaction.hpp"
#include "worker_host.hpp"

namespace coil::app::bench {

namespace {

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
  if (!run.sizes.isEmpty()) {
    log(QStringLiteral("the engine alone on the same model (coil bench)"));
    run.engine =
        engineBaseline(options, int(std::max<qint64>(1, run.sizes[0].resumed.promptTokens)));
  }
  return run;
}

}  // namespace coil::app::bench
