// The banner shown when the model runs on another backend than the one asked for: with
// Auto, falling back to the CPU (no usable GPU) is information; a backend picked by name
// that could not run (or, a GPU that failed the engine's self-check) is a warning. Both
// say it in one plain sentence, with the engine's reason behind "Details"; a banner the
// person closed stays closed (across restarts too) until its reason changes.
#include <QGuiApplication>
#include <QMetaEnum>
#include <QSignalSpy>
#include <QTest>
#include <algorithm>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "coil/backend.hpp"
#include "coil/registry.hpp"
#include "status_info.hpp"
#include "test_app.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;

// The level (BannerModel::Level's name in lower case: "info", "warning") and details of the
// banner `key`, or empty strings when it is not shown; its title must be one plain sentence,
// with no text beside it.
QPair<QString, QString> banner(BannerModel* m, const QString& key) {
  for (int r = 0; r < m->rowCount(); ++r) {
    const QModelIndex i = m->index(r);
    if (m->data(i, BannerModel::KeyRole).toString() != key) continue;
    const QString title = m->data(i, BannerModel::TitleRole).toString();
    if (title.count(QLatin1Char('.')) != 1 || !title.endsWith(QLatin1Char('.')) ||
        title.contains(QLatin1String(".so")) || title.contains(QLatin1String("--")) ||
        !m->data(i, BannerModel::TextRole).toString().isEmpty())
      return {QStringLiteral("not one plain sentence"), title};
    const int level = m->data(i, BannerModel::LevelRole).toInt();
    return {
        QString::fromLatin1(QMetaEnum::fromType<BannerModel::Level>().valueToKey(level)).toLower(),
        m->data(i, BannerModel::DetailsRole).toString()};
  }
  return {};
}
}  // namespace

class TestFallbackBanner : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    app_ = fixture_.openWithoutLoading(fixture_.model());
  }

  void autoOnTheCpuIsInformation() {
    app_->settings()->setBackend(QStringLiteral("auto"));
    app_->settings()->setDevice(0);
    loadAndWait();
    const auto [level, text] = banner(app_->banners(), QStringLiteral("fallback"));
    const ModelInfo& info = app_->activeModel()->info();
    if (info.fallbackReason.isEmpty()) {  // a machine where Auto found its GPU
      QVERIFY(level.isEmpty());
    } else {
      QCOMPARE(level, QStringLiteral("info"));
      QVERIFY2(text.startsWith(info.fallbackReason), qPrintable(text));
    }
  }

  void aNamedBackendThatCannotRunIsAWarning() {
    // No machine has a 100th Vulkan device: the load falls back to the CPU with the reason.
    app_->settings()->setBackend(QStringLiteral("vulkan"));
    app_->settings()->setDevice(99);
    loadAndWait();
    const ModelInfo& info = app_->activeModel()->info();
    QCOMPARE(info.backend, QStringLiteral("cpu"));
    QVERIFY(!info.fallbackReason.isEmpty());
    const auto [level, text] = banner(app_->banners(), QStringLiteral("fallback"));
    QCOMPARE(level, QStringLiteral("warning"));
    QVERIFY2(text.startsWith(info.fallbackReason), qPrintable(text));
  }

  // Closed by the person: not shown again on the next load, nor after a restart, until the
  // reason changes (here: another missing device).
  void aClosedBannerStaysClosedUntilItsReasonChanges() {
    const QString data = fixture_.filePath("data-closed");
    QString reason;
    {
      AppController app(AppController::Options{data, fixture_.model(), /*autoLoad=*/false});
      app.settings()->setBackend(QStringLiteral("vulkan"));
      app.settings()->setDevice(99);
      loadAndWait(app);
      QCOMPARE(banner(app.banners(), QStringLiteral("fallback")).first, QStringLiteral("warning"));
      reason = app.activeModel()->info().fallbackReason;
      app.banners()->close(QStringLiteral("fallback"));
      QVERIFY(!app.banners()->has(QStringLiteral("fallback")));
      loadAndWait(app);  // the same reason again
      QVERIFY(!app.banners()->has(QStringLiteral("fallback")));
    }
    {
      AppController app(
          AppController::Options{data, fixture_.model(), /*autoLoad=*/false});  // restart
      loadAndWait(app);
      QVERIFY(!app.activeModel()->info().fallbackReason.isEmpty());
      QVERIFY(!app.banners()->has(QStringLiteral("fallback")));
      app.settings()->setDevice(98);  // "there is no device 98": another reason
      loadAndWait(app);
      const QString other = app.activeModel()->info().fallbackReason;
      QVERIFY(!other.isEmpty());
      if (other == reason) QSKIP("no Vulkan in this build: the reason names no device");
      QVERIFY(app.banners()->has(QStringLiteral("fallback")));
    }
  }

  void aGpuThatComputesWrongIsAWarningNamingTheOp() {
    // Vulkan (lavapipe in CI) made to fail the engine's self-check on one op: the app's
    // engine options (what coil-chat's main() reads from COIL_SELF_CHECK_FAULT) say which.
    const auto built = coil::compiled_backends();
    if (std::find(built.begin(), built.end(), "vulkan") == built.end() ||
        coil::list_devices("vulkan").empty())
      QSKIP("this build or machine has no Vulkan device");
    AppController::Options options{fixture_.filePath("data-fault"), fixture_.model(),
                                   /*autoLoad=*/false};
    options.engine.self_check_fault = "matmul";
    AppController faulty(options);
    faulty.settings()->setBackend(QStringLiteral("vulkan"));
    faulty.settings()->setDevice(0);
    loadAndWait(faulty);
    const ModelInfo& info = faulty.activeModel()->info();
    QCOMPARE(info.backend, QStringLiteral("cpu"));
    const auto [level, text] = banner(faulty.banners(), QStringLiteral("fallback"));
    QCOMPARE(level, QStringLiteral("warning"));
    QVERIFY2(text.contains("refused, it computes wrong results here: matmul (F32"),
             qPrintable(text));
  }

  // Vulkan on a CPU implementation (lavapipe) runs, but the status line says it is emulated.
  void vulkanOnTheCpuIsCalledEmulated() {
    const auto built = coil::compiled_backends();
    if (std::find(built.begin(), built.end(), "vulkan") == built.end())
      QSKIP("this build has no Vulkan backend");
    const auto devices = coil::describe_devices("vulkan", {});
    if (devices.empty()) QSKIP("this machine has no Vulkan device");
    app_->settings()->setBackend(QStringLiteral("vulkan"));
    app_->settings()->setDevice(0);
    loadAndWait();
    const ModelInfo& info = app_->activeModel()->info();
    QCOMPARE(info.backend, QStringLiteral("vulkan"));
    const QString text = app_->status()->backendText();
    if (devices[0].hardware_gpu)
      QVERIFY2(!text.contains("emulated"), qPrintable(text));
    else
      QVERIFY2(text.startsWith("Vulkan (emulated on the CPU, slow) · "), qPrintable(text));
  }

  void theCpuAskedForShowsNoBanner() {
    app_->settings()->setBackend(QStringLiteral("cpu"));
    app_->settings()->setDevice(0);
    loadAndWait();
    QVERIFY(app_->activeModel()->info().fallbackReason.isEmpty());
    QVERIFY(banner(app_->banners(), QStringLiteral("fallback")).first.isEmpty());
  }

  void cleanupTestCase() { app_.reset(); }

 private:
  void loadAndWait() { loadAndWait(*app_); }
  void loadAndWait(AppController& app) {
    ActiveModel* m = app.activeModel();
    QSignalSpy changed(m, &ActiveModel::modelChanged);
    m->load(fixture_.model());
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() > 0 && !m->loading(), kWait);
    QVERIFY2(m->loaded(), qPrintable(m->error()));
  }

  coil::test::TestApp fixture_;
  std::unique_ptr<AppController> app_;
};

QTEST_MAIN(TestFallbackBanner)
#include "tst_fallback_banner.moc"
