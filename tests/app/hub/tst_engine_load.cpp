// A snapshot downloaded from the Hub stand-in loads in the engine: the fixture model
// falcon-tiny-f32 is served as a repo, fetched into the cache (through the CDN redirect,
// into blobs with relative symlinks), then opened with coil::ModelFiles::open.
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "coil/error.hpp"
#include "coil/weights.hpp"
#include "fake_hub.hpp"
#include "hub_client.hpp"
#include "sync_download.hpp"

using namespace coil::hub;
using coil::hub::test::FakeHub;

class TstEngineLoad : public QObject {
  Q_OBJECT
  std::unique_ptr<FakeHub> hub_;

 private slots:
  void initTestCase() {
    const QString fixture = QStringLiteral(COIL_FIXTURE_MODEL_DIR);
    if (!QFileInfo::exists(fixture + "/model.safetensors"))
      QFAIL(qPrintable("fixture model missing: " + fixture));  // tests/data is in the repo
    hub_ = std::make_unique<FakeHub>(QStringList{"coil-test/falcon-tiny-f32=" + fixture});
    QVERIFY2(hub_->isRunning(), qPrintable(hub_->startError()));
  }
  void cleanupTestCase() { hub_.reset(); }

  void downloadedSnapshotLoads() {
    QTemporaryDir cache;
    HubClient client(hub_->settings(cache.path()));
    const SyncDownloadResult r =
        downloadSnapshotSync(&client, DownloadRequest{"coil-test/falcon-tiny-f32", "main", {}});
    QVERIFY2(!r.error, qPrintable(r.error.message));
    QVERIFY(QFileInfo(r.snapshotDir + "/model.safetensors").isSymLink());
    QVERIFY(!hub_->requests("cdn", "GET").isEmpty());  // the weights came through the CDN

    try {
      const coil::ModelFiles model = coil::ModelFiles::open(r.snapshotDir.toStdString());
      QCOMPARE(qint64(model.weights.layers.size()), qint64(2));
      QVERIFY(model.weights.embeddings != nullptr);
    } catch (const coil::Error& e) {
      QFAIL(e.what());
    }

    // The memory estimate agrees with the weights on disk (f32, tied embeddings).
    QVERIFY(r.memory.has_value());
    const qint64 fileBytes = QFileInfo(r.snapshotDir + "/model.safetensors").size();
    QVERIFY(r.memory->weightBytes <= fileBytes);
    QVERIFY(r.memory->weightBytes > fileBytes * 9 / 10);
    QCOMPARE(r.memory->stateBytes, qint64(2) * (3 * 64 + 64 * 16) * 4);
  }
};

QTEST_GUILESS_MAIN(TstEngineLoad)
#include "tst_engine_load.moc"
