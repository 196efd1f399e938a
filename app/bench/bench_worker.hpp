// The benchmarks' driver of the inference worker, as ChatController drives it: one
// BenchWorker is one app start (a worker thread with the model loaded); ask() times the
// answer from the request to the first piece of text arriving on this thread.
#pragma once
#include <QCoreApplication>
#include <QElapsedTimer>
#include <optional>
#include <stdexcept>
#include <utility>

#include "inference_worker.hpp"
#include "resume_bench.hpp"
#include "worker_host.hpp"

namespace coil::app::bench {

// Runs this thread's events until `done` (the worker always answers: no timeout needed).
template <class Done>
void spinUntil(const Done& done) {
  while (!done()) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
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

  Answer ask(qint64 conversation, qint64 anchor, const QList<ChatTurn>& turns, int maxTokens,
             const QList<qint64>& documentMessageIds = {}) {
    GenerateRequest r;
    r.documentMessageIds = documentMessageIds;
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

}  // namespace coil::app::bench
