// The inference worker on its own thread, driven as the UI drives it: queued calls in,
// signals out (QSignalSpy). Load progress and cancelling a load, streaming, stop in the
// middle of a prefill and of a decode, and errors as values.
#include <QScopeGuard>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>
#include <set>

#include "fixture_model.hpp"
#include "inference_worker.hpp"
#include "signal_log.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {

GenerateRequest greedyRequest(const QString& prompt, int maxTokens) {
  GenerateRequest r;
  r.conversationId = 0;  // no storage: nothing to resume or save
  r.turns = {{QStringLiteral("user"), prompt}};
  r.sampling.temperature = 0;
  r.sampling.repetition_penalty = 1;
  r.maxTokens = maxTokens;
  return r;
}

}  // namespace

class TestWorker : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    model_ = coil::test::makeFixtureModel(tmp_.filePath("model"));
    endless_ = coil::test::makeFixtureModel(tmp_.filePath("endless"), "falcon-tiny-f32", true);
  }

  void listsDevicesWithTheGpusMemory() {
    WorkerHost host(QString{});
    coil::test::SignalLog listed(host.worker(), &InferenceWorker::devicesListed);
    host.listDevices();
    QVERIFY(listed.waitNext());
    const QVariantMap devices = listed.first().at(0).toMap();
    const QVariantList gpus = listed.first().at(1).toList();
    QCOMPARE(devices.value("cpu").toStringList().size(), 1);
    QVERIFY(!devices.contains("cpu-ref"));
    // every GPU listed for the badges is one of the backends' devices, with its memory
    QStringList all;
    for (auto it = devices.cbegin(); it != devices.cend(); ++it) all << it->toStringList();
    for (const QVariant& g : gpus) {
      const QVariantMap gpu = g.toMap();
      QVERIFY2(all.contains(gpu.value("name").toString()),
               qPrintable(gpu.value("name").toString()));
      QVERIFY(gpu.value("bytes").toLongLong() > 0);
    }
    // a CPU implementation (lavapipe here) is listed for the settings but is no GPU
    for (const QString& v : devices.value("vulkan").toStringList())
      if (v.contains("CPU"))
        for (const QVariant& g : gpus) QVERIFY(g.toMap().value("name").toString() != v);
  }

  void missingFolderFailsWithReason() {
    WorkerHost host(QString{});
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::modelLoadFailed);
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.load({tmp_.filePath("no-such-model")});
    QVERIFY(failed.waitNext());
    QCOMPARE(loaded.count(), 0);
    QCOMPARE(failed.first().at(0).toString(), tmp_.filePath("no-such-model"));
    QVERIFY2(failed.first().at(1).toString().contains("does not exist"),
             qPrintable(failed.first().at(1).toString()));
  }

  void brokenFolderFailsWithReason() {
    const QString dir = tmp_.filePath("broken");
    coil::test::makeFixtureModel(dir);
    QFile::resize(dir + "/model.safetensors", 100);
    WorkerHost host(QString{});
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::modelLoadFailed);
    host.load({dir});
    QVERIFY(failed.waitNext());
    QVERIFY(!failed.first().at(1).toString().isEmpty());
  }

  void tokenizerOfAnotherModelIsRefused() {
    const QString dir = tmp_.filePath("mismatch");
    coil::test::makeFixtureModel(dir);
    QFile f(dir + "/tokenizer.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(coil::test::byteTokenizerJson(300));  // the model has 256 tokens
    f.close();
    WorkerHost host(QString{});
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::modelLoadFailed);
    host.load({dir});
    QVERIFY(failed.waitNext());
    QVERIFY2(failed.first().at(1).toString().contains("do not belong together"),
             qPrintable(failed.first().at(1).toString()));
  }

  void generateWithoutModelFails() {
    WorkerHost host(QString{});
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::generationFailed);
    const qint64 id = host.generate(greedyRequest("hello", 8));
    QVERIFY(failed.waitNext());
    QCOMPARE(failed.first().at(0).toLongLong(), id);
    QVERIFY(failed.first().at(1).toString().contains("No model"));
  }

  void loadsWithProgressAndDescribesTheModel() {
    WorkerHost host(QString{});
    coil::test::SignalLog progress(host.worker(), &InferenceWorker::loadProgress);
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.load({model_, "cpu"});
    QVERIFY(loaded.waitNext());
    QVERIFY(progress.count() >= 3);
    const auto info = loaded.first().at(0).value<ModelInfo>();
    QCOMPARE(info.path, model_);
    QCOMPARE(info.backend, QStringLiteral("cpu"));
    QVERIFY(!info.device.isEmpty());
    QVERIFY(info.fingerprint != 0);
    QVERIFY(info.stateBytes > 0);
    QVERIFY(info.fallbackReason.isEmpty());
  }

  void loadProgressRisesThroughTheWeights() {
    WorkerHost host(QString{});
    coil::test::SignalLog progress(host.worker(), &InferenceWorker::loadProgress);
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.load({model_, "cpu"});
    QVERIFY(loaded.waitNext());
    QVERIFY(progress.count() >= 5);
    std::set<double> duringWeights;
    QStringList stages;
    double last = -1;
    for (const auto& args : progress) {
      const double f = args.at(0).toDouble();
      QVERIFY2(f >= last, qPrintable(QStringLiteral("%1 after %2").arg(f).arg(last)));
      last = f;
      if (f > 0.05 && f < 0.95) duringWeights.insert(f);
      stages << args.at(1).toString();
    }
    QCOMPARE(last, 1.0);
    // real fractions from the engine, not a few fixed steps
    QVERIFY2(duringWeights.size() >= 4, qPrintable(QString::number(duringWeights.size())));
    QVERIFY(stages.contains(QStringLiteral("Checking the weights")));
    QVERIFY(stages.contains(QStringLiteral("Uploading the weights to cpu")));
  }

  void cancelLoadFromTheUiThreadWhileLoading() {
    WorkerHost host(QString{});
    coil::test::SignalLog cancelled(host.worker(), &InferenceWorker::loadCancelled);
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    coil::test::SignalLog failed(host.worker(), &InferenceWorker::modelLoadFailed);
    coil::test::SignalLog progress(host.worker(), &InferenceWorker::loadProgress);
    // The worker stops inside the engine's load (a progress report during the upload) until
    // the UI thread has cancelled: no timing involved.
    QSemaphore reached, go;
    bool held = false;  // worker thread only
    const auto hold = connect(
        host.worker(), &InferenceWorker::loadProgress, host.worker(),
        [&](double, const QString& stage) {
          if (held || !stage.startsWith(QLatin1String("Uploading"))) return;
          held = true;
          reached.release();
          go.acquire();
        },
        Qt::DirectConnection);
    const auto release = qScopeGuard([&] { go.release(); });
    host.load({model_, "cpu"});
    QVERIFY(reached.tryAcquire(1, 600000));
    host.cancelLoad();  // straight from this thread: the worker is busy, its queue blocked
    go.release();
    QVERIFY(cancelled.waitNext());
    disconnect(hold);
    QCOMPARE(cancelled.first().at(0).toString(), model_);
    QCOMPARE(loaded.count(), 0);
    QCOMPARE(failed.count(), 0);
    const int reportsBefore = progress.count();
    QVERIFY(progress.last().at(0).toDouble() < 1.0);

    // No model now: the app is in its clean "no model" state...
    coil::test::SignalLog genFailed(host.worker(), &InferenceWorker::generationFailed);
    host.generate(greedyRequest("anyone there?", 4));
    QVERIFY(genFailed.waitNext());
    QVERIFY(genFailed.first().at(1).toString().contains("No model"));
    // ... and usable: the next load is not cancelled and answers.
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({model_, "cpu"});
    QVERIFY(loaded.waitNext());
    QVERIFY(progress.count() > reportsBefore);
    QCOMPARE(progress.last().at(0).toDouble(), 1.0);
    host.generate(greedyRequest("hello again", 4));
    QVERIFY(finished.waitNext());
    QVERIFY(finished.first().at(0).value<GenerationResult>().completionTokens > 0);
    QCOMPARE(cancelled.count(), 1);
  }

  void cancelLoadCancelsQueuedLoadsButNotLaterOnes() {
    WorkerHost host(QString{});
    coil::test::SignalLog cancelled(host.worker(), &InferenceWorker::loadCancelled);
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.cancelLoad();  // nothing loading: no effect on what follows
    host.load({model_, "cpu"});
    QVERIFY(loaded.waitNext());
    QCOMPARE(cancelled.count(), 0);

    QSemaphore reached, go;
    bool held = false;
    const auto hold = connect(
        host.worker(), &InferenceWorker::loadStarted, host.worker(),
        [&](const QString&) {
          if (held) return;
          held = true;
          reached.release();
          go.acquire();
        },
        Qt::DirectConnection);
    const auto release = qScopeGuard([&] { go.release(); });
    host.load({model_, "cpu"});
    QVERIFY(reached.tryAcquire(1, 600000));
    host.load({endless_, "cpu"});  // queued behind the first
    host.cancelLoad();
    go.release();
    QVERIFY(cancelled.wait(2));
    disconnect(hold);
    QCOMPARE(cancelled.at(0).at(0).toString(), model_);
    QCOMPARE(cancelled.at(1).at(0).toString(), endless_);
    QCOMPARE(loaded.count(), 1);
    host.load({endless_, "cpu"});  // asked for after the cancel
    QVERIFY(loaded.waitNext());
    QCOMPARE(loaded.last().at(0).value<ModelInfo>().path, endless_);
    QCOMPARE(cancelled.count(), 2);
  }

  void streamsTextThatAddsUpToTheAnswer() {
    WorkerHost host(QString{});
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    coil::test::SignalLog pieces(host.worker(), &InferenceWorker::textGenerated);
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    const qint64 id = host.generate(greedyRequest("Tell me a story.", 24));
    QVERIFY(finished.waitNext());
    QCOMPARE(loaded.count(), 1);
    const auto r = finished.first().at(0).value<GenerationResult>();
    QCOMPARE(r.requestId, id);
    QCOMPARE(r.finishReason, QStringLiteral("length"));
    QCOMPARE(r.completionTokens, 24);
    QVERIFY(r.promptTokens > 10);
    QVERIFY(r.stateReady);
    QString streamed;
    for (const auto& args : pieces) {
      QCOMPARE(args.at(0).toLongLong(), id);
      streamed += args.at(1).toString();
    }
    QVERIFY(pieces.count() > 1);
    QCOMPARE(streamed, r.text);
  }

  void greedyAnswersRepeat() {
    WorkerHost host(QString{});
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    host.generate(greedyRequest("Same question", 16));
    QVERIFY(finished.waitNext());
    // another conversation id: the session starts over rather than continuing
    auto again = greedyRequest("Same question", 16);
    again.conversationId = -1;
    host.generate(again);
    QVERIFY(finished.waitNext());
    QCOMPARE(finished.at(1).at(0).value<GenerationResult>().text,
             finished.at(0).at(0).value<GenerationResult>().text);
  }

  void stopMidDecode() {
    WorkerHost host(QString{});
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    // Stop from the worker's thread as the third piece streams: deterministic, no timing.
    int seen = 0;
    connect(
        host.worker(), &InferenceWorker::textGenerated, host.worker(),
        [&](qint64 id, const QString&) {
          if (++seen == 3) host.worker()->requestStop(id);
        },
        Qt::DirectConnection);
    host.generate(greedyRequest("Count to a million.", 100000));
    QVERIFY(finished.waitNext());
    const auto r = finished.first().at(0).value<GenerationResult>();
    QCOMPARE(r.finishReason, QStringLiteral("cancelled"));
    QVERIFY(r.completionTokens >= 3 && r.completionTokens < 10);
    QVERIFY(r.stateReady);  // the partial answer is covered: the chat can go on from it
  }

  void stopFromUiThreadEndsARunningAnswer() {
    WorkerHost host(QString{});
    coil::test::SignalLog pieces(host.worker(), &InferenceWorker::textGenerated);
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    host.generate(greedyRequest("Go on forever.", 1 << 20));
    QVERIFY(pieces.waitNext());
    host.stop();
    QVERIFY(finished.waitNext());
    QCOMPARE(finished.first().at(0).value<GenerationResult>().finishReason,
             QStringLiteral("cancelled"));
  }

  void stopMidPrefill() {
    WorkerHost host(QString{});
    coil::test::SignalLog pieces(host.worker(), &InferenceWorker::textGenerated);
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    // A prompt of ~40 prefill chunks; stop as the worker starts on it.
    connect(
        host.worker(), &InferenceWorker::generationStarted, host.worker(),
        [&](qint64 id) { host.worker()->requestStop(id); }, Qt::DirectConnection);
    host.generate(greedyRequest(QString(10000, QLatin1Char('x')), 64));
    QVERIFY(finished.waitNext());
    const auto r = finished.first().at(0).value<GenerationResult>();
    QCOMPARE(r.finishReason, QStringLiteral("cancelled"));
    QCOMPARE(r.completionTokens, 0);
    QVERIFY(r.text.isEmpty());
    QCOMPARE(pieces.count(), 0);
    QVERIFY(!r.stateReady);  // a partial prefill is never kept
  }

  void stopBeforeTheRequestIsReachedCancelsIt() {
    WorkerHost host(QString{});
    coil::test::SignalLog finished(host.worker(), &InferenceWorker::generationFinished);
    host.load({endless_, "cpu"});
    host.generate(greedyRequest("never answered", 64));
    host.stop();  // before the worker has even loaded the model
    QVERIFY(finished.waitNext());
    QCOMPARE(finished.first().at(0).value<GenerationResult>().finishReason,
             QStringLiteral("cancelled"));
    // and the next request runs normally
    host.generate(greedyRequest("answered", 4));
    QVERIFY(finished.waitNext());
    QCOMPARE(finished.at(1).at(0).value<GenerationResult>().finishReason, QStringLiteral("length"));
  }

 private:
  QTemporaryDir tmp_;
  QString model_, endless_;
};

QTEST_GUILESS_MAIN(TestWorker)
#include "tst_worker.moc"
