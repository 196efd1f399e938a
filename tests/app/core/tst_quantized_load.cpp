// Settings > Weights "4-bit" runs a safetensors model from a copy quantized once into
// <data folder>/quantized (#12). Here the copy goes wrong on purpose:
// - a copy damaged on disk (cut short, one byte changed, garbage, its record gone) is found
//   on the worker, quantized again and the person told (a banner), never loaded as it is;
//   the model that runs is the one a whole copy gives (same fingerprint);
// - a load cancelled while it quantizes leaves no copy, no record and no unfinished file;
//   the app stays usable and the next load quantizes again.
// The worker is held inside the load until the cancel is made, so nothing depends on timing.
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <functional>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "coil/quantized_cache.hpp"
#include "fixture_model.hpp"
#include "inference_worker.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;
}  // namespace

class TestQuantizedLoad : public QObject {
  Q_OBJECT

  // Reloads the model and returns every stage the load went through.
  QStringList reloadStages() {
    ActiveModel* m = app_->activeModel();
    QStringList stages;
    const auto c = connect(m, &ActiveModel::progressChanged, this, [&] { stages << m->stage(); });
    m->reload();
    [&] { QTRY_VERIFY_WITH_TIMEOUT(!m->loading(), kWait); }();
    disconnect(c);
    return stages;
  }

  QString quantizedDir() const { return tmp_.filePath("data/quantized"); }
  // Every file in the quantized folder.
  QStringList quantizedFiles() const {
    return QDir(quantizedDir()).entryList(QDir::Files | QDir::Hidden, QDir::Name);
  }
  QString copyPath() const {
    const auto copies = coil::quantized_copies(quantizedDir().toStdString());
    return copies.size() == 1 ? QString::fromStdString(copies[0].string()) : QString();
  }
  static bool any(const QStringList& stages, const QString& start) {
    for (const QString& s : stages)
      if (s.startsWith(start)) return true;
    return false;
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    model_ = coil::test::makeFixtureModel(tmp_.filePath("model"), "falcon-tiny-f32", true);
    app_ = std::make_unique<AppController>(AppController::Options{tmp_.filePath("data"), model_});
    app_->settings()->setWeights(QStringLiteral("q4_k"));
    app_->start();
    QTRY_VERIFY_WITH_TIMEOUT(!app_->activeModel()->loading() && app_->activeModel()->loaded(),
                             kWait);
    QVERIFY(app_->activeModel()->quant().startsWith(QLatin1String("Q4_K")));
    QVERIFY(!copyPath().isEmpty());
    fingerprint_ = app_->activeModel()->info().fingerprint;
    QVERIFY(!app_->banners()->has(QStringLiteral("model-notice")));
  }

  void damagedCopyIsQuantizedAgainAndSaid_data() {
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("reason");
    QTest::newRow("cut short") << "truncate"
                               << "bytes, not the";
    QTest::newRow("one byte changed") << "flip"
                                      << "contents changed";
    QTest::newRow("garbage") << "garbage"
                             << "contents changed";
    QTest::newRow("record gone") << "record"
                                 << "no record";
  }

  void damagedCopyIsQuantizedAgainAndSaid() {
    QFETCH(QString, damage);
    QFETCH(QString, reason);
    const QString copy = copyPath();
    QVERIFY(!copy.isEmpty());
    const qint64 size = QFileInfo(copy).size();
    {
      QFile f(copy);
      if (damage == QLatin1String("truncate")) {
        QVERIFY(f.resize(size / 3));
      } else if (damage == QLatin1String("flip")) {
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek(size - 64));
        char c = 0;
        QVERIFY(f.getChar(&c));
        QVERIFY(f.seek(size - 64));
        QVERIFY(f.putChar(char(c ^ 0x10)));
      } else if (damage == QLatin1String("garbage")) {
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(f.write(QByteArray(size, 'G')) == size);
      } else {
        QVERIFY(QFile::remove(copy + ".check"));
      }
    }
    const QStringList stages = reloadStages();
    ActiveModel* m = app_->activeModel();
    QVERIFY2(m->loaded(), qPrintable(m->error()));
    QCOMPARE(m->error(), QString());
    QVERIFY2(any(stages, "Quantizing the weights to 4-bit"), qPrintable(stages.join(" | ")));
    QCOMPARE(m->info().fingerprint, fingerprint_);  // the model a whole copy gives
    QVERIFY(m->quant().startsWith(QLatin1String("Q4_K")));
    // said once, plainly, with the reason
    QVERIFY(app_->banners()->has(QStringLiteral("model-notice")));
    QVERIFY2(m->info().notice.contains(reason), qPrintable(m->info().notice));
    QVERIFY(m->info().notice.contains(QLatin1String("quantized again")));
    QCOMPARE(QString::fromStdString(coil::quantized_copy_damage(copyPath().toStdString())),
             QString());

    // the next load finds the copy whole: checked, not quantized, no notice
    const QStringList next = reloadStages();
    QVERIFY(m->loaded());
    QVERIFY2(any(next, "Checking the 4-bit copy"), qPrintable(next.join(" | ")));
    QVERIFY2(!any(next, "Quantizing"), qPrintable(next.join(" | ")));
    QVERIFY(!app_->banners()->has(QStringLiteral("model-notice")));
    QCOMPARE(m->info().fingerprint, fingerprint_);
  }

  void cancelWhileQuantizingLeavesNoCopy() {
    QSignalSpy deleted(app_->settings(), &AppSettings::quantizedCopiesChanged);
    app_->settings()->deleteQuantizedCopies();  // on a worker: done at quantizedCopiesChanged
    QTRY_VERIFY_WITH_TIMEOUT(deleted.count() == 1, 20000);
    QVERIFY(quantizedFiles().isEmpty());
    ActiveModel* m = app_->activeModel();
    InferenceWorker* w = app_->host().worker();
    QSignalSpy cancelled(m, &ActiveModel::loadCancelled);
    QSignalSpy failed(m, &ActiveModel::loadFailed);
    QSemaphore reached, go;
    bool held = false;   // worker thread only
    QStringList onDisk;  // what the quantized folder held mid-quantization
    const auto hold = connect(
        w, &InferenceWorker::loadProgress, w,
        [&](double fraction, const QString& stage) {
          if (held || !stage.startsWith(QLatin1String("Quantizing")) || fraction <= 0.05) return;
          held = true;
          onDisk = quantizedFiles();
          reached.release();
          go.acquire();
        },
        Qt::DirectConnection);
    const auto release = qScopeGuard([&] { go.release(); });

    m->reload();
    QVERIFY(reached.tryAcquire(1, kWait));
    // mid-quantization: an unfinished file only, no copy and no record yet
    QCOMPARE(onDisk.size(), 1);
    QVERIFY2(onDisk[0].contains(".gguf.tmp-"), qPrintable(onDisk.join(", ")));
    m->cancelLoad();
    go.release();
    QVERIFY(cancelled.wait(kWait));
    disconnect(hold);
    QVERIFY(!m->loading());
    QVERIFY(!m->loaded());
    QVERIFY(m->error().isEmpty());
    QCOMPARE(failed.count(), 0);
    QCOMPARE(quantizedFiles(), QStringList());  // nothing partial left to be used later
    QCOMPARE(app_->settings()->quantizedCopiesText(), QString());

    // the app stays usable: the next load quantizes again, from the start, and runs
    const QStringList stages = reloadStages();
    QVERIFY2(m->loaded(), qPrintable(m->error()));
    QVERIFY2(any(stages, "Quantizing the weights to 4-bit"), qPrintable(stages.join(" | ")));
    QCOMPARE(m->info().fingerprint, fingerprint_);
    QVERIFY(!app_->banners()->has(QStringLiteral("model-notice")));  // nothing was damaged
    QCOMPARE(quantizedFiles().size(), 2);                            // the copy and its record
    QCOMPARE(QString::fromStdString(coil::quantized_copy_damage(copyPath().toStdString())),
             QString());
  }

  void cleanupTestCase() { app_.reset(); }

 private:
  QTemporaryDir tmp_;
  QString model_;
  quint64 fingerprint_ = 0;
  std::unique_ptr<AppController> app_;
};

QTEST_MAIN(TestQuantizedLoad)
#include "tst_quantized_load.moc"
