// The persistent download queue: downloads continue after the app quits mid-transfer, a
// paused entry stays paused across a restart, cancel and remove.
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "download_queue.hpp"
#include "fake_hub.hpp"
#include "hub_client.hpp"

using namespace coil::hub;
using coil::hub::test::FakeHub;
using Status = DownloadQueue::Status;

namespace {

const QString kTiny = QStringLiteral("coil-test/tiny-mamba");

qint64 incompleteBytes(const QString& dir) {
  qint64 n = 0;
  QDirIterator it(dir, {"*.incomplete"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) n += QFileInfo(it.next()).size();
  return n;
}

}  // namespace

class TstQueue : public QObject {
  Q_OBJECT
  std::unique_ptr<FakeHub> hub_;
  std::unique_ptr<QTemporaryDir> cache_;
  std::unique_ptr<QTemporaryDir> state_;

 private slots:
  void initTestCase() {
    hub_ = std::make_unique<FakeHub>();
    QVERIFY2(hub_->isRunning(), qPrintable(hub_->startError()));
  }
  void init() {
    hub_->reset();
    cache_ = std::make_unique<QTemporaryDir>();
    state_ = std::make_unique<QTemporaryDir>();
  }
  void cleanup() { hub_->release(); }
  void cleanupTestCase() { hub_.reset(); }

  void continuesAfterRestart() {
    HubClient client(hub_->settings(cache_->path()));
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    QString id;
    {
      DownloadQueue queue(&client, state_->path());
      queue.start();
      id = queue.enqueue(kTiny, "main", {});
      QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, 60000);
      QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_->path()) > 0, 60000);
      QCOMPARE(queue.entry(id)->status, Status::Downloading);
    }  // the app quits mid-download
    hub_->release();
    QVERIFY(QFileInfo::exists(state_->path() + "/downloads.json"));
    const qint64 kept = incompleteBytes(cache_->path());
    QVERIFY(kept > 0);

    DownloadQueue queue(&client, state_->path());
    QCOMPARE(queue.entries().size(), 1);
    QCOMPARE(queue.entries()[0].id, id);
    QCOMPARE(queue.entries()[0].repoId, kTiny);
    QCOMPARE(queue.entries()[0].status, Status::Queued);  // interrupted: runs again
    QSignalSpy finished(&queue, &DownloadQueue::finished);
    queue.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    QCOMPARE(finished[0][0].toString(), id);
    const auto e = queue.entry(id);
    QCOMPARE(e->status, Status::Finished);
    QVERIFY(QFileInfo::exists(e->snapshotPath + "/model.safetensors"));
    QCOMPARE(e->bytesDone, e->bytesTotal);
    // It resumed from the partial file.
    const QJsonArray cdn = hub_->requests("cdn", "GET");
    QCOMPARE(cdn.last().toObject().value("range").toString(),
             QStringLiteral("bytes=%1-").arg(kept));
    // And the state file says so too.
    QFile f(queue.stateFile());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject saved = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(saved["entries"].toArray()[0].toObject()["status"].toString(),
             QStringLiteral("finished"));
  }

  void pausedStaysPausedAcrossRestart() {
    HubClient client(hub_->settings(cache_->path()));
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    QString id;
    {
      DownloadQueue queue(&client, state_->path());
      queue.start();
      id = queue.enqueue(kTiny);
      QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, 60000);
      queue.pause(id);
      QCOMPARE(queue.entry(id)->status, Status::Paused);
    }
    hub_->release();
    DownloadQueue queue(&client, state_->path());
    QCOMPARE(queue.entry(id)->status, Status::Paused);
    QSignalSpy finished(&queue, &DownloadQueue::finished);
    queue.start();
    QTest::qWait(100);
    QCOMPARE(queue.entry(id)->status, Status::Paused);  // not started by itself
    queue.resume(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    QCOMPARE(queue.entry(id)->status, Status::Finished);
  }

  void failuresAndCancel() {
    HubClient client(hub_->settings(cache_->path()));
    DownloadQueue queue(&client, state_->path());
    QSignalSpy failed(&queue, &DownloadQueue::failed);
    QSignalSpy removed(&queue, &DownloadQueue::entryRemoved);
    queue.start();
    const QString bad = queue.enqueue("coil-test/no-such-repo");
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 60000);
    QCOMPARE(queue.entry(bad)->status, Status::Failed);
    QVERIFY(queue.entry(bad)->error.contains("not found"));

    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    const QString id = queue.enqueue(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_->path()) > 0, 60000);
    queue.cancel(id);
    QCOMPARE(removed.size(), 1);
    QVERIFY(!queue.entry(id).has_value());
    QTRY_COMPARE_WITH_TIMEOUT(incompleteBytes(cache_->path()), qint64(0), 60000);
    queue.remove(bad);
    QVERIFY(queue.entries().isEmpty());
    DownloadQueue reloaded(&client, state_->path());
    QVERIFY(reloaded.entries().isEmpty());
  }
};

QTEST_GUILESS_MAIN(TstQueue)
#include "tst_queue.moc"
