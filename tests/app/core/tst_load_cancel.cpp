// Cancelling a model load as the status bar's Cancel button does (App.activeModel.cancelLoad()):
// the load stops between two tensors, the app is left with no model and no error, and the
// next load works. The worker is held inside the load until the cancel is made, so
// nothing depends on timing.
#include <QGuiApplication>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "inference_worker.hpp"
#include "test_app.hpp"
#include "worker_host.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;
}  // namespace

class TestLoadCancel : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    app_ = fixture_.open();
    QVERIFY(app_);
  }

  void cancelWithoutALoadDoesNothing() {
    ActiveModel* m = app_->activeModel();
    QSignalSpy cancelled(m, &ActiveModel::loadCancelled);
    m->cancelLoad();
    QVERIFY(m->loaded());
    QVERIFY(!m->loading());
    QCOMPARE(cancelled.count(), 0);
  }

  void cancelLeavesNoModelAndNoError() {
    ActiveModel* m = app_->activeModel();
    InferenceWorker* w = app_->host().worker();
    QSignalSpy cancelled(m, &ActiveModel::loadCancelled);
    QSignalSpy failed(m, &ActiveModel::loadFailed);
    QSemaphore reached, go;
    bool held = false;  // worker thread only
    const auto hold = connect(
        w, &InferenceWorker::loadProgress, w,
        [&](double, const QString& stage) {
          if (held || !stage.startsWith(QLatin1String("Uploading"))) return;
          held = true;
          reached.release();
          go.acquire();
        },
        Qt::DirectConnection);
    const auto release = qScopeGuard([&] { go.release(); });

    m->reload();
    QVERIFY(m->loading());
    QCOMPARE(m->loadingName(), QStringLiteral("model"));  // the status line's text, made in C++
    QVERIFY(reached.tryAcquire(1, kWait));
    m->cancelLoad();
    QCOMPARE(m->stage(), QStringLiteral("Cancelling"));
    go.release();
    QVERIFY(cancelled.wait(kWait));
    disconnect(hold);
    QVERIFY(!m->loading());
    QVERIFY(!m->loaded());  // the previous model was freed as the load began
    QVERIFY(m->error().isEmpty());
    QCOMPARE(failed.count(), 0);
    QVERIFY(!app_->banners()->has(QStringLiteral("model-load")));
    QCOMPARE(app_->settings()->modelPath(), fixture_.model());  // still the last model that loaded

    // The app stays usable: the same model loads again.
    m->load(fixture_.model());
    QTRY_VERIFY_WITH_TIMEOUT(m->loaded(), kWait);
    QCOMPARE(m->path(), fixture_.model());
    QVERIFY(!m->loading());
    QCOMPARE(m->progress(), 1.0);
    QCOMPARE(cancelled.count(), 1);
  }

  void cleanupTestCase() { app_.reset(); }

 private:
  coil::test::TestApp fixture_;
  std::unique_ptr<AppController> app_;
};

QTEST_MAIN(TestLoadCancel)
#include "tst_load_cancel.moc"
