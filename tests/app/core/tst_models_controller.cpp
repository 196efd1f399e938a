// The Models page's controller (App.models) against the local Hub stand-in (fake_hub.py):
// search with compatibility flags and the curated entry first, a repo's files, a download
// into a temporary Hugging Face cache that then shows as installed, pause and resume,
// cancel, downloads continuing after an app restart, delete and its refusals, a gated repo
// without and with a token, "use in new chat", and offline mode. Every list model of the
// page runs under QAbstractItemModelTester throughout.
#include <QAbstractItemModelTester>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSemaphore>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "app_settings.hpp"
#include "background_removal.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "coil/config.hpp"
#include "coil/quantize.hpp"
#include "curated_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "fake_hub.hpp"
#include "fixture_model.hpp"
#include "format_bytes.hpp"
#include "hub_search_model.hpp"
#include "installed_models_controller.hpp"
#include "installed_models_model.hpp"
#include "models_controller.hpp"
#include "repo_files_controller.hpp"
#include "repo_files_model.hpp"
#include "status_info.hpp"

using namespace coil::app;
using coil::hub::test::FakeHub;
using Tester = QAbstractItemModelTester;

namespace {

constexpr int kWait = 120000;
const QString kTiny = QStringLiteral("coil-test/tiny-mamba");
const QString kBig = QStringLiteral("coil-test/big-mamba");
const QString kGated = QStringLiteral("coil-test/gated-mamba");
const QString kChatReady = QStringLiteral("coil-test/chat-ready");
const QString kSmallGguf = QStringLiteral("coil-test/falcon-mamba-small-GGUF");
const QString kDemoGguf = QStringLiteral("coil-test/coil-demo-GGUF");

qint64 incompleteBytes(const QString& dir) {
  qint64 n = 0;
  QDirIterator it(dir, {"*.incomplete"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) n += QFileInfo(it.next()).size();
  return n;
}

QVariant cell(const QAbstractItemModel* m, int row, int role) {
  return m->index(row, 0).data(role);
}

int rowWhere(const QAbstractItemModel* m, int role, const QString& value) {
  for (int i = 0; i < m->rowCount(); ++i)
    if (cell(m, i, role).toString() == value) return i;
  return -1;
}

// One app session: the App object with testers on the Models page's four list models.
struct Session {
  std::unique_ptr<AppController> app;
  std::vector<std::unique_ptr<Tester>> testers;

  explicit Session(const QString& dataDir) {
    app = std::make_unique<AppController>(AppController::Options{dataDir, QString(), false});
    ModelsController* m = app->models();
    for (QAbstractItemModel* model : std::initializer_list<QAbstractItemModel*>{
             m->results(), m->repoFiles()->files(), m->downloads(), m->installed()->rows()})
      testers.push_back(std::make_unique<Tester>(model, Tester::FailureReportingMode::QtTest));
  }
  ~Session() {
    testers.clear();
    app.reset();
  }
  ModelsController* models() const { return app->models(); }
  DownloadListModel* downloads() const { return app->models()->downloads(); }
  InstalledModelsController* installedModels() const { return app->installedModels(); }
  InstalledModelsModel* installed() const { return app->installedModels()->rows(); }
  HubSearchModel* results() const { return app->models()->results(); }
  // The row of a download by repo, -1 if none.
  int download(const QString& repoId) const {
    return rowWhere(downloads(), DownloadListModel::RepoIdRole, repoId);
  }
  DownloadListModel::Status downloadStatus(const QString& repoId) const {
    const int r = download(repoId);
    return r < 0 ? DownloadListModel::None
                 : DownloadListModel::Status(
                       cell(downloads(), r, DownloadListModel::StatusRole).toInt());
  }
  int installedRow(const QString& repoId) const {
    return rowWhere(installed(), InstalledModelsModel::RepoIdRole, repoId);
  }
  // The Installed list is scanned on the thread pool: its row of a repo once a scan is done.
  int scannedRow(const QString& repoId) const {
    return installedModels()->scanning() ? -2 : installedRow(repoId);
  }
};

}  // namespace

class TestModelsController : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::unique_ptr<FakeHub> hub_;
  QString cache_;
  QString data_;
  int serial_ = 0;

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    const QString chatModel =
        coil::test::makeFixtureModel(tmp_.filePath("chat-model"), "falcon-tiny-f32", true);
    // a GGUF repo of the demo model, made by `coil quantize` (one file is a whole model)
    const QString ggufDir = tmp_.filePath("demo-gguf");
    QVERIFY(QDir().mkpath(ggufDir));
    for (const char* type : {"q8_0", "q4_0"}) {
      QProcess quantize;
      quantize.setProcessChannelMode(QProcess::ForwardedChannels);
      quantize.start(COIL_CLI_PATH,
                     {"quantize", "--model", COIL_DEMO_MODEL_DIR, "--type", type, "--out",
                      ggufDir + "/coil-demo." + QString::fromLatin1(type).toUpper() + ".gguf"});
      QVERIFY(quantize.waitForFinished(120000));
      QCOMPARE(quantize.exitCode(), 0);
    }
    QFile readme(ggufDir + "/README.md");
    QVERIFY(readme.open(QIODevice::WriteOnly));
    readme.write("# coil-demo GGUF\n");
    readme.close();
    hub_ = std::make_unique<FakeHub>(
        QStringList{kChatReady + "=" + chatModel, kDemoGguf + "=" + ggufDir});
    QVERIFY2(hub_->isRunning(), qPrintable(hub_->startError()));
    qputenv("HF_ENDPOINT", hub_->endpoint().toUtf8());
    qputenv("HF_HOME", tmp_.filePath("hf-home").toUtf8());
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH",
                             "HF_HUB_OFFLINE", "HUGGINGFACE_HUB_CACHE"})
      qunsetenv(name);
  }

  void init() {
    hub_->reset();
    ++serial_;
    cache_ = tmp_.filePath(QStringLiteral("cache-%1").arg(serial_));
    data_ = tmp_.filePath(QStringLiteral("data-%1").arg(serial_));
    qputenv("HF_HUB_CACHE", cache_.toUtf8());
  }

  void cleanup() { hub_->release(); }
  void cleanupTestCase() { hub_.reset(); }

  void searchFlagsCompatibilityWithTheCuratedEntryFirst() {
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    // before any answer (and whatever the Hub says) the curated entry is there
    QCOMPARE(r->rowCount(), 1);
    QCOMPARE(cell(r, 0, HubSearchModel::RepoIdRole).toString(), QString(kCuratedRepoId));
    QVERIFY(!cell(r, 0, HubSearchModel::FitRole).toMap()["label"].toString().isEmpty());

    m->search("");
    QVERIFY(m->searching());
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QCOMPARE(m->searchError(), QString());
    QVERIFY(r->rowCount() >= 9);
    QCOMPARE(cell(r, 0, HubSearchModel::RepoIdRole).toString(), QString(kCuratedRepoId));
    QVERIFY(cell(r, 0, HubSearchModel::CuratedRole).toBool());
    QVERIFY(cell(r, 0, HubSearchModel::CompatibleRole).toBool());
    QCOMPARE(cell(r, 0, HubSearchModel::DownloadsRole).toLongLong(), qint64(90000));  // the Hub's
    QCOMPARE(hub_->requests("hub", "GET", "/api/models")
                 .first()
                 .toObject()["query"]
                 .toString()
                 .contains("search=mamba"),
             true);
    const auto check = [&](const QString& id, bool compatible, const QString& reasonPart) {
      const int row = r->rowOf(id);
      QVERIFY2(row >= 0, qPrintable(id));
      QCOMPARE(cell(r, row, HubSearchModel::CompatibleRole).toBool(), compatible);
      QVERIFY2(cell(r, row, HubSearchModel::ReasonRole).toString().contains(reasonPart),
               qPrintable(cell(r, row, HubSearchModel::ReasonRole).toString()));
      QVERIFY(!cell(r, row, HubSearchModel::CuratedRole).toBool());
    };
    check(kTiny, true, "");
    check("tiiuae/falcon-mamba-7b", true, "");
    check("state-spaces/mamba2-130m", false, "mamba2");
    check("state-spaces/mamba-130m", false, "");
    check("someone/falcon-mamba-7b-GGUF", false, "GGUF");
    QVERIFY(r->rowOf("meta-llama/Llama-2-7b-hf") < 0);  // not a "mamba" match
    const int gated = r->rowOf(kGated);
    QVERIFY(cell(r, gated, HubSearchModel::GatedRole).toBool());
    QVERIFY(cell(r, gated, HubSearchModel::NeedsTokenRole).toBool());
    QVERIFY(!cell(r, r->rowOf(kTiny), HubSearchModel::NeedsTokenRole).toBool());

    // what Coil cannot run is not downloaded
    QCOMPARE(m->download("state-spaces/mamba2-130m"), QString());
    QVERIFY2(m->message().contains("mamba2"), qPrintable(m->message()));
    QCOMPARE(s.downloads()->rowCount(), 0);

    // sizes and memory estimates of compatible repos follow
    const int tiny = r->rowOf(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(cell(r, tiny, HubSearchModel::SizeBytesRole).toLongLong() > 300000,
                             kWait);
    QVERIFY(!cell(r, tiny, HubSearchModel::FitRole).toMap()["label"].toString().isEmpty());
    QVERIFY(cell(r, tiny, HubSearchModel::FitRole).toMap()["tip"].toString().contains("RAM"));
    QTRY_VERIFY_WITH_TIMEOUT(!cell(r, 0, HubSearchModel::SizeTextRole).toString().isEmpty(), kWait);
    // the 7B's config gives its real estimate: 14.5 GB of BF16 weights (on a machine where
    // BF16 fits, the curated entry's badge is its BF16 one: see curatedEntryOffers...)
    m->setMachine({32LL * 1000 * 1000 * 1000, 0, {}});
    QVERIFY(cell(r, 0, HubSearchModel::FitRole)
                .toMap()["tip"]
                .toString()
                .contains("14.5 GB of 16-bit"));
    // incompatible repos are not looked into
    QCOMPARE(
        cell(r, r->rowOf("state-spaces/mamba2-130m"), HubSearchModel::SizeBytesRole).toLongLong(),
        qint64(-1));

    // a query matching the curated entry keeps it first; others leave it out
    m->search("falcon mamba");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QCOMPARE(cell(r, 0, HubSearchModel::RepoIdRole).toString(), QString(kCuratedRepoId));
    m->search("tiny");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QCOMPARE(r->rowCount(), 1);
    QCOMPARE(cell(r, 0, HubSearchModel::RepoIdRole).toString(), kTiny);
    // sorting by likes asks the Hub so
    m->setSortIndex(1);
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY(hub_->requests("hub", "GET", "/api/models")
                .last()
                .toObject()["query"]
                .toString()
                .contains("sort=likes"));
  }

  void moreResultsFollowTheHubsNextLinks() {
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    // every result in one page: the reference
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY(!m->canLoadMore());
    QStringList all;
    for (int i = 0; i < r->rowCount(); ++i)
      all << cell(r, i, HubSearchModel::RepoIdRole).toString();
    QVERIFY(all.size() >= 9);

    // pages of 3: "More results" until the Hub sends no next link
    hub_->setKnobs(QJsonObject{{"search_page_size", 3}});
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY(m->canLoadMore());
    const int firstPage = r->rowCount();
    QVERIFY2(firstPage <= 4, qPrintable(QString::number(firstPage)));  // the curated entry + 3
    int pages = 1;
    while (m->canLoadMore()) {
      const int before = r->rowCount();
      m->loadMore();
      QVERIFY(m->searching());
      QVERIFY(!m->canLoadMore());  // no second request while one runs
      QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
      QCOMPARE(m->searchError(), QString());
      QVERIFY(r->rowCount() > before);
      ++pages;
      QVERIFY(pages < 20);
    }
    QVERIFY(pages >= 3);
    QStringList paged;
    for (int i = 0; i < r->rowCount(); ++i)
      paged << cell(r, i, HubSearchModel::RepoIdRole).toString();
    QCOMPARE(paged.size(), all.size());  // no repo twice (the curated entry neither)
    QCOMPARE(QSet<QString>(paged.begin(), paged.end()), QSet<QString>(all.begin(), all.end()));
    QCOMPARE(paged.first(), QString(kCuratedRepoId));
    // the follow-up requests carried the Hub's cursor
    const QJsonArray searches = hub_->requests("hub", "GET", "/api/models");
    QVERIFY(searches.last().toObject()["query"].toString().contains("cursor="));
  }

  void repoFilesAreListed() {
    Session s(data_);
    ModelsController* m = s.models();
    RepoFilesModel* f = m->repoFiles()->files();
    QSignalSpy changed(m->repoFiles(), &RepoFilesController::changed);
    m->repoFiles()->show(kTiny);
    QCOMPARE(m->repoFiles()->repo(), kTiny);
    QVERIFY(m->repoFiles()->loading());
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QCOMPARE(m->repoFiles()->error(), QString());
    QCOMPARE(f->rowCount(), 5);
    const int weights = rowWhere(f, RepoFilesModel::PathRole, "model.safetensors");
    QVERIFY(weights >= 0);
    QCOMPARE(cell(f, weights, RepoFilesModel::SizeRole).toLongLong(), qint64(300000));
    QVERIFY(cell(f, weights, RepoFilesModel::LfsRole).toBool());
    QCOMPARE(cell(f, weights, RepoFilesModel::KindRole).toString(), "weights");
    QVERIFY(rowWhere(f, RepoFilesModel::PathRole, "extra/notes/info.txt") >= 0);
    QVERIFY(f->totalText().startsWith("5 files, "));
    QVERIFY(changed.count() >= 2);

    m->repoFiles()->show("coil-test/no-such-repo");
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QVERIFY2(m->repoFiles()->error().contains("not found"), qPrintable(m->repoFiles()->error()));
    QCOMPARE(f->rowCount(), 0);
  }

  void downloadFinishesAndIsInstalled() {
    Session s(data_);
    ModelsController* m = s.models();
    m->search("tiny");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    const QString id = m->download(kTiny);
    QVERIFY(!id.isEmpty());
    QCOMPARE(s.downloads()->rowCount(), 1);
    QCOMPARE(cell(s.downloads(), 0, DownloadListModel::DownloadIdRole).toString(), id);
    QVERIFY(finished.wait(kWait));
    QCOMPARE(finished.first().at(0).toString(), kTiny);
    const QString snapshot = finished.first().at(1).toString();
    QVERIFY(snapshot.startsWith(cache_ + "/models--coil-test--tiny-mamba/snapshots/"));
    QVERIFY(QFileInfo(snapshot + "/model.safetensors").isSymLink());
    QCOMPARE(s.downloadStatus(kTiny), DownloadListModel::Finished);
    QCOMPARE(cell(s.downloads(), 0, DownloadListModel::FractionRole).toDouble(), 1.0);
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::BytesTextRole).toString().contains(" of "));
    QVERIFY(s.app->banners()->has("download-finished"));
    // installed: in the cache, usable, its size and path
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kTiny) >= 0, kWait);
    const int row = s.installedRow(kTiny);
    QCOMPARE(cell(s.installed(), row, InstalledModelsModel::PathRole).toString(), snapshot);
    QCOMPARE(cell(s.installed(), row, InstalledModelsModel::KindRole).toString(), "hub");
    QVERIFY(cell(s.installed(), row, InstalledModelsModel::CompatibleRole).toBool());
    QVERIFY(cell(s.installed(), row, InstalledModelsModel::SizeBytesRole).toLongLong() > 300000);
    QVERIFY(cell(s.installed(), row, InstalledModelsModel::CanDeleteRole).toBool());
    // and the search result says so
    QVERIFY(cell(s.results(), s.results()->rowOf(kTiny), HubSearchModel::InstalledRole).toBool());
    // the demo model is listed too, and cannot be deleted
    const int demo = rowWhere(s.installed(), InstalledModelsModel::KindRole, "demo");
    QVERIFY(demo >= 0);
    QVERIFY(!cell(s.installed(), demo, InstalledModelsModel::CanDeleteRole).toBool());
  }

  void pauseThenResumeCompletes() {
    Session s(data_);
    ModelsController* m = s.models();
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    const QString id = m->download(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_) > 0, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(s.downloads(), 0, DownloadListModel::BytesDoneRole).toLongLong() > 0, kWait);
    QCOMPARE(s.downloadStatus(kTiny), DownloadListModel::Downloading);
    const double fraction = cell(s.downloads(), 0, DownloadListModel::FractionRole).toDouble();
    QVERIFY(fraction > 0 && fraction < 1);
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::CanPauseRole).toBool());
    s.downloads()->pause(id);
    QCOMPARE(s.downloadStatus(kTiny), DownloadListModel::Paused);
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::CanResumeRole).toBool());
    QCOMPARE(cell(s.downloads(), 0, DownloadListModel::SpeedRole).toDouble(), 0.0);
    hub_->release();
    const qint64 kept = incompleteBytes(cache_);
    QVERIFY(kept > 0);  // pausing keeps the partial file
    // resuming checks what is there first (off the GUI thread), and the row says so
    QStringList texts;
    connect(s.downloads(), &QAbstractItemModel::dataChanged, this, [&] {
      if (s.downloads()->rowCount() > 0)
        texts << cell(s.downloads(), 0, DownloadListModel::StatusTextRole).toString() + " | " +
                     cell(s.downloads(), 0, DownloadListModel::BytesTextRole).toString();
    });
    s.downloads()->resume(id);
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kTiny), DownloadListModel::Finished, kWait);
    const QString checking = QStringLiteral("Checking | checking 0 B of %1 already downloaded")
                                 .arg(coil::hub::formatBytes(kept));
    QVERIFY2(texts.contains(checking), qPrintable(texts.join('\n')));
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kTiny) >= 0, kWait);
    // it went on from the partial file
    QCOMPARE(hub_->requests("cdn", "GET").last().toObject()["range"].toString(),
             QStringLiteral("bytes=%1-").arg(kept));
  }

  void cancelRemovesThePartial() {
    Session s(data_);
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    const QString id = s.models()->download(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_) > 0, kWait);
    // the Models page opened meanwhile lists the unfinished repo; the cancel takes it away
    s.models()->activate();
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kTiny) >= 0, kWait);  // config.json: a snapshot
    s.downloads()->cancel(id);
    QCOMPARE(s.downloads()->rowCount(), 0);
    QCOMPARE(incompleteBytes(cache_), qint64(0));
    // nothing complete was there: the repo's folder is gone too
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--tiny-mamba"));
    QTRY_COMPARE_WITH_TIMEOUT(s.scannedRow(kTiny), -1, kWait);  // the list (its count) followed
  }

  // #15 item 5: what Cancel deletes (a partial file of up to GBs, the repo's folder) is
  // deleted on a worker: while the deletion is held, the GUI thread's event loop keeps
  // turning, the partial is already gone from its place (a new download starts afresh), and
  // the deleting thread is not the GUI thread; released, nothing of it is left.
  void cancelDeletesOffTheGuiThread() {
    Session s(data_);
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    const QString id = s.models()->download(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_) > 0, kWait);
    QSemaphore release;
    QAtomicInt entered = 0, offGui = 0;
    QThread* gui = QThread::currentThread();
    coil::hub::setBackgroundRemovalHookForTests([&](const QString&) {
      entered.fetchAndAddOrdered(1);
      if (QThread::currentThread() != gui) offGui.fetchAndAddOrdered(1);
      // on the GUI thread this would block the test: it gives up after 20 s instead
      release.tryAcquire(1, 20000);
    });
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();
    s.downloads()->cancel(id);
    QCOMPARE(s.downloads()->rowCount(), 0);
    QCOMPARE(incompleteBytes(cache_), qint64(0));
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--tiny-mamba"));
    QTRY_VERIFY_WITH_TIMEOUT(entered.loadAcquire() >= 1, 10000);
    const int ticksHeld = ticks;
    QTRY_VERIFY_WITH_TIMEOUT(ticks > ticksHeld + 10, 10000);  // the event loop turns meanwhile
    QCOMPARE(entered.loadAcquire(), offGui.loadAcquire());
    release.release(100);
    coil::hub::waitForBackgroundRemovals();
    coil::hub::setBackgroundRemovalHookForTests({});
    ticker.stop();
    // the renamed-away partial and folder are deleted too
    QDirIterator left(cache_, {".coil-deleting-*"}, QDir::AllEntries | QDir::Hidden,
                      QDirIterator::Subdirectories);
    QVERIFY2(!left.hasNext(), qPrintable(left.hasNext() ? left.next() : QString()));
    QTRY_COMPARE_WITH_TIMEOUT(s.scannedRow(kTiny), -1, kWait);
  }

  void restartContinuesUnfinishedDownloads() {
    qint64 kept = 0;
    {
      Session s(data_);
      hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
      s.models()->download(kTiny);
      const QString big = s.models()->download(kBig);
      QCOMPARE(s.downloadStatus(kBig), DownloadListModel::Queued);  // one at a time
      s.downloads()->pause(big);
      QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, kWait);
      QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_) > 0, kWait);
      QCOMPARE(s.downloadStatus(kTiny), DownloadListModel::Downloading);
    }  // the app quits mid-download
    hub_->release();
    kept = incompleteBytes(cache_);
    QVERIFY(kept > 0);
    QVERIFY(QFileInfo::exists(data_ + "/downloads.json"));  // in the data folder

    Session s(data_);
    QCOMPARE(s.downloads()->rowCount(), 2);
    QCOMPARE(s.downloadStatus(kBig), DownloadListModel::Paused);  // paused stays paused
    // the interrupted one continues by itself, from its partial file
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kTiny), DownloadListModel::Finished, kWait);
    QCOMPARE(hub_->requests("cdn", "GET", "").last().toObject()["range"].toString(),
             QStringLiteral("bytes=%1-").arg(kept));
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kTiny) >= 0, kWait);
    QCOMPARE(s.downloadStatus(kBig), DownloadListModel::Paused);
    s.downloads()->resume(s.downloads()->idOfRepo(kBig));
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kBig), DownloadListModel::Finished, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kBig) >= 0, kWait);
  }

  void deleteRemovesTheRepoAndRefusesWhatItMustNot() {
    Session s(data_);
    ModelsController* m = s.models();
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    m->download(kTiny);
    QVERIFY(finished.wait(kWait));
    const QString path = finished.first().at(1).toString();
    InstalledModelsController* installed = s.installedModels();
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kTiny) >= 0, kWait);
    QSignalSpy confirm(installed, &InstalledModelsController::deleteConfirmationRequested);
    QVERIFY(installed->requestDelete(path));
    QCOMPARE(confirm.count(), 1);
    QCOMPARE(confirm.first().at(1).toString(), kTiny);
    QVERIFY(confirm.first().at(2).toString().endsWith("kB"));
    QSignalSpy deleted(installed, &InstalledModelsController::deleted);
    QVERIFY(installed->deleteInstalled(path));  // on the thread pool
    // meanwhile the row cannot be deleted a second time
    QVERIFY(s.installedRow(kTiny) >= 0);
    QVERIFY(
        !cell(s.installed(), s.installedRow(kTiny), InstalledModelsModel::CanDeleteRole).toBool());
    QVERIFY(deleted.wait(kWait));
    QCOMPARE(deleted.first().at(0).toString(), path);
    QVERIFY(deleted.first().at(1).toBool());
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--tiny-mamba"));
    QTRY_COMPARE_WITH_TIMEOUT(s.scannedRow(kTiny), -1, kWait);
    QCOMPARE(s.download(kTiny), -1);  // its finished download is forgotten with it

    // the bundled demo model
    const int demo = rowWhere(s.installed(), InstalledModelsModel::KindRole, "demo");
    QVERIFY(demo >= 0);
    const QString demoPath = cell(s.installed(), demo, InstalledModelsModel::PathRole).toString();
    QVERIFY(!installed->requestDelete(demoPath));
    QVERIFY2(m->message().contains("demo"), qPrintable(m->message()));  // the page says why
    QVERIFY(!installed->deleteInstalled(demoPath));
    QVERIFY(QFileInfo::exists(demoPath + "/config.json"));
    QCOMPARE(confirm.count(), 1);
    m->dismissMessage();
    QCOMPARE(m->message(), QString());
    QVERIFY(!installed->requestDelete("/no/such/model"));
    QVERIFY(!m->message().isEmpty());
  }

  void gatedRepoNeedsAToken() {
    Session s(data_);
    ModelsController* m = s.models();
    AppSettings* settings = s.app->settings();
    QVERIFY(!m->hasToken());
    QVERIFY(settings->hfTokenText().startsWith("No token"));
    const QString id = m->download(kGated);
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kGated), DownloadListModel::Failed, kWait);
    const QString error = cell(s.downloads(), 0, DownloadListModel::ErrorRole).toString();
    QVERIFY2(error.contains("gated") && error.contains("token"), qPrintable(error));
    QVERIFY2(m->message().contains("gated"), qPrintable(m->message()));
    QVERIFY(s.app->banners()->has("download-failed"));
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::CanResumeRole).toBool());

    // with the token saved (a setting), the same download goes through
    QSignalSpy token(settings, &AppSettings::hfTokenChanged);
    QVERIFY(settings->saveHfToken(coil::hub::test::kGoodToken));
    QCOMPARE(token.count(), 1);
    QVERIFY(m->hasToken());
    QVERIFY(settings->hfTokenSaved());
    QVERIFY(settings->hfTokenText().startsWith("A token saved in Coil"));
    QVERIFY(QFileInfo::exists(data_ + "/hf_token"));
    QCOMPARE(m->download(kGated), id);  // retries the failed entry
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kGated), DownloadListModel::Finished, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kGated) >= 0, kWait);
    QVERIFY(!hub_->requests("hub", "HEAD", "model.safetensors").isEmpty());
    // the saved token is read again by the next session, and can be removed
    Session next(data_);
    QVERIFY(next.app->settings()->hfTokenSaved());
    QVERIFY(next.models()->hasToken());
    QVERIFY(next.app->settings()->saveHfToken(""));
    QVERIFY(!next.models()->hasToken());
    QVERIFY(!QFileInfo::exists(data_ + "/hf_token"));
  }

  void useInNewChatLoadsTheModel() {
    Session s(data_);
    ModelsController* m = s.models();
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    m->download(kChatReady);
    QVERIFY(finished.wait(kWait));
    const QString path = finished.first().at(1).toString();
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kChatReady) >= 0, kWait);
    const int row = s.installedRow(kChatReady);
    QVERIFY(cell(s.installed(), row, InstalledModelsModel::CompatibleRole).toBool());
    InstalledModelsController* installed = s.installedModels();
    QSignalSpy chat(installed, &InstalledModelsController::chatRequested);
    QSignalSpy loaded(s.app->activeModel(), &ActiveModel::modelChanged);
    QVERIFY(installed->useInNewChat(path));
    QCOMPARE(chat.count(), 1);
    QCOMPARE(s.app->chat()->conversationId(), qint64(0));
    QTRY_VERIFY_WITH_TIMEOUT(s.app->activeModel()->loaded(), kWait);
    QCOMPARE(s.app->activeModel()->path(), path);
    // named by its repo id, not by the snapshot's commit hash (#15 item 3)
    QCOMPARE(s.app->activeModel()->name(), kChatReady);
    QCOMPARE(s.app->activeModel()->title(), kChatReady);  // safetensors: no quant
    QCOMPARE(s.app->status()->modelText(), kChatReady);
    // the model in use cannot be deleted
    const int inUse = s.installedRow(kChatReady);
    QVERIFY(cell(s.installed(), inUse, InstalledModelsModel::InUseRole).toBool());
    QVERIFY(!cell(s.installed(), inUse, InstalledModelsModel::CanDeleteRole).toBool());
    QVERIFY(!installed->requestDelete(path));
    QVERIFY2(m->message().contains("in use"), qPrintable(m->message()));
    QVERIFY(QFileInfo::exists(path + "/model.safetensors"));
    // an incompatible or unknown folder is refused
    QVERIFY(!installed->useInNewChat(tmp_.filePath("nothing-here")));
  }

  // #12: a GGUF repo is listed when its files' header says architecture mamba (read with a
  // Range request before any download); another architecture is greyed with the reason.
  void ggufReposAreJudgedByTheirHeader() {
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    const int small = r->rowOf(kSmallGguf);
    QVERIFY(small >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(cell(r, r->rowOf(kSmallGguf), HubSearchModel::CompatibleRole).toBool(),
                             kWait);
    const int llama = r->rowOf("coil-test/llama-not-mamba-GGUF");
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(r, r->rowOf("coil-test/llama-not-mamba-GGUF"), HubSearchModel::ReasonRole)
            .toString()
            .contains("'llama'"),
        kWait);
    QVERIFY(!cell(r, llama, HubSearchModel::CompatibleRole).toBool());
    // a file that is no GGUF at all: greyed with the reader's message
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(r, r->rowOf("someone/falcon-mamba-7b-GGUF"), HubSearchModel::ReasonRole)
            .toString()
            .contains("unreadable"),
        kWait);
    // the header came from a Range request of the first bytes, not a download
    const QJsonArray gets = hub_->requests("cdn", "GET");
    bool ranged = false;
    for (const QJsonValue& g : gets) {
      const QJsonObject o = g.toObject();
      QVERIFY2(o["range"].toString() == "bytes=0-262143", qPrintable(o["path"].toString()));
      QVERIFY(!o["auth"].toBool());
      ranged = true;
    }
    QVERIFY(ranged);
    // its choices: the three files, most precise first, each with a memory-fit badge
    const int row = r->rowOf(kSmallGguf);
    const QVariantList choices = cell(r, row, HubSearchModel::ChoicesRole).toList();
    QCOMPARE(choices.size(), 3);
    QCOMPARE(choices[0].toMap()["quant"].toString(), "Q8_0");
    for (const QVariant& c : choices)
      QCOMPARE(c.toMap()["fit"].toMap()["label"].toString(), "Fits RAM");  // kilobytes
    QCOMPARE(cell(r, row, HubSearchModel::DefaultChoiceRole).toInt(), 0);
  }

  // #12: the files of a GGUF repo grouped by quant type, each with its size and badge.
  void ggufFilesAreGroupedByQuant() {
    Session s(data_);
    ModelsController* m = s.models();
    RepoFilesModel* f = m->repoFiles()->files();
    m->repoFiles()->show(kSmallGguf);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QCOMPARE(m->repoFiles()->error(), QString());
    QVERIFY(m->repoFiles()->gguf());
    QCOMPARE(f->rowCount(), 4);
    QStringList groups;
    for (int i = 0; i < f->rowCount(); ++i)
      groups << cell(f, i, RepoFilesModel::GroupRole).toString();
    QCOMPARE(groups, QStringList({"Q4_0", "Q4_K_M", "Q8_0", "Other files"}));
    const int q8 = rowWhere(f, RepoFilesModel::PathRole, "falcon-mamba-small.Q8_0.gguf");
    QCOMPARE(cell(f, q8, RepoFilesModel::KindRole).toString(), "gguf");
    QCOMPARE(cell(f, q8, RepoFilesModel::SizeRole).toLongLong(), qint64(41632));
    QCOMPARE(cell(f, q8, RepoFilesModel::FitRole).toMap()["label"].toString(), "Fits RAM");
    QVERIFY(cell(f, q8, RepoFilesModel::DownloadableRole).toBool());
    const int readme = rowWhere(f, RepoFilesModel::PathRole, "README.md");
    QVERIFY(!cell(f, readme, RepoFilesModel::DownloadableRole).toBool());
    QCOMPARE(cell(f, readme, RepoFilesModel::FitRole).toMap()["label"].toString(), QString());
    // a safetensors repo's files have no groups and no per-file downloads
    m->repoFiles()->show(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QVERIFY(!m->repoFiles()->gguf());
    for (int i = 0; i < f->rowCount(); ++i) {
      QCOMPARE(cell(f, i, RepoFilesModel::GroupRole).toString(), QString());
      QVERIFY(!cell(f, i, RepoFilesModel::DownloadableRole).toBool());
    }
  }

  // #12: downloading one .gguf file downloads that file only; it is then an installed model
  // that loads and answers, named by repo and quant in the header and status line.
  void oneGgufFileIsDownloadedLoadedAndNamed() {
    Session s(data_);
    ModelsController* m = s.models();
    m->repoFiles()->show(kDemoGguf);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QVERIFY(m->repoFiles()->gguf());
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    const QString id = m->repoFiles()->download("coil-demo.Q8_0.gguf");
    QVERIFY(!id.isEmpty());
    QVERIFY(finished.wait(kWait));
    // only that file crossed the network: of the other quant only the first 256 KiB of its
    // header (the architecture check), of the README nothing
    const QJsonArray cdn = hub_->requests("cdn", "GET");
    for (const QJsonValue& g : cdn)
      if (g.toObject()["query"].toString().contains("Q4_0"))
        QCOMPARE(g.toObject()["range"].toString(), "bytes=0-262143");
    QVERIFY(hub_->requests("hub", "GET", "README.md").isEmpty());
    const QString snapshot = finished.first().at(1).toString();
    QCOMPARE(QDir(snapshot).entryList(QDir::Files), QStringList({"coil-demo.Q8_0.gguf"}));
    // installed: the file is the model
    QTRY_VERIFY_WITH_TIMEOUT(s.scannedRow(kDemoGguf) >= 0, kWait);
    const int row =
        rowWhere(s.installed(), InstalledModelsModel::PathRole, snapshot + "/coil-demo.Q8_0.gguf");
    QVERIFY(row >= 0);
    QVERIFY2(cell(s.installed(), row, InstalledModelsModel::CompatibleRole).toBool(),
             qPrintable(cell(s.installed(), row, InstalledModelsModel::ReasonRole).toString()));
    QCOMPARE(cell(s.installed(), row, InstalledModelsModel::NameRole).toString(),
             kDemoGguf + " · Q8_0");
    // the files dialog says it is there
    m->repoFiles()->show(kDemoGguf);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    const int file =
        rowWhere(m->repoFiles()->files(), RepoFilesModel::PathRole, "coil-demo.Q8_0.gguf");
    QVERIFY(cell(m->repoFiles()->files(), file, RepoFilesModel::InstalledRole).toBool());

    // loaded as the active model: named by repo id and quant
    QVERIFY(s.installedModels()->useInNewChat(snapshot + "/coil-demo.Q8_0.gguf"));
    QTRY_VERIFY_WITH_TIMEOUT(
        s.app->activeModel()->loaded() || !s.app->activeModel()->error().isEmpty(), kWait);
    QVERIFY2(s.app->activeModel()->loaded(), qPrintable(s.app->activeModel()->error()));
    QCOMPARE(s.app->activeModel()->name(), kDemoGguf);
    QCOMPARE(s.app->activeModel()->quant(), "Q8_0");
    QCOMPARE(s.app->activeModel()->title(), kDemoGguf + " · Q8_0");
    QCOMPARE(s.app->status()->modelText(), kDemoGguf + " · Q8_0");
    // and it answers (the demo model's tokenizer and template come from the file)
    QSignalSpy answered(s.app->chat(), &ChatController::answerFinished);
    QVERIFY(s.app->chat()->send("What is 2 plus 3?"));
    QVERIFY(answered.wait(kWait));
    QVERIFY(answered.first().at(0).toLongLong() > 0);
  }

  // #12: the curated entry offers BF16 and the quants, the one that fits this machine first.
  void curatedEntryOffersTheQuantThatFits() {
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    const qint64 gb = 1000LL * 1000 * 1000;
    const auto quants = [&] {
      QStringList out;
      for (const QVariant& c : cell(r, 0, HubSearchModel::ChoicesRole).toList())
        out << c.toMap()["quant"].toString();
      return out;
    };
    m->setMachine({8 * gb, 0, {}});  // an 8 GB laptop: BF16 is too big, Q8_0 tight
    QCOMPARE(quants(), QStringList({"BF16", "Q8_0", "Q4_K_M"}));
    const QVariantList small = cell(r, 0, HubSearchModel::ChoicesRole).toList();
    QCOMPARE(small[0].toMap()["fit"].toMap()["label"].toString(), "Too big for RAM");
    QCOMPARE(small[1].toMap()["fit"].toMap()["label"].toString(), "Tight fit");
    QCOMPARE(small[2].toMap()["fit"].toMap()["label"].toString(), "Fits RAM");
    QCOMPARE(cell(r, 0, HubSearchModel::DefaultChoiceRole).toInt(), 2);
    QCOMPARE(cell(r, 0, HubSearchModel::FitRole).toMap()["label"].toString(), "Fits RAM");
    m->setMachine({32 * gb, 0, {}});  // enough RAM for BF16
    QCOMPARE(cell(r, 0, HubSearchModel::DefaultChoiceRole).toInt(), 0);
    m->setMachine({32 * gb, 6 * gb, "a 6 GB GPU"});  // the quant that fits the GPU wins
    QCOMPARE(cell(r, 0, HubSearchModel::DefaultChoiceRole).toInt(), 2);
    QCOMPARE(small[2].toMap()["label"].toString(), "Q4_K_M · 4.2 GB");

    // Download gets the default choice: that quant's repo, its .gguf file only
    m->setMachine({8 * gb, 0, {}});
    const QString id = m->download(QString(kCuratedRepoId));
    QVERIFY(!id.isEmpty());
    const auto entry = m->queue()->entry(id);
    QVERIFY(entry.has_value());
    QCOMPARE(entry->repoId, QString(kCuratedRepoId) + "-Q4_K_M-GGUF");
    QCOMPARE(entry->include, QStringList({"*.gguf"}));
    m->queue()->cancel(id);
    // and an explicit choice gets that one: BF16 is the whole safetensors repo
    const QString bf16 = m->downloadChoice(QString(kCuratedRepoId), 0);
    QCOMPARE(m->queue()->entry(bf16)->repoId, QString(kCuratedRepoId));
    QCOMPARE(m->queue()->entry(bf16)->include, QStringList());
    m->queue()->cancel(bf16);
  }

  // #12: Settings > Weights says how a safetensors model is held once loaded (quantized at
  // load to 8 or 4 bits): its memory-fit badge judges that size, not the stored one. GGUF
  // files are held as they are whatever the setting.
  void weightsSettingJudgesSafetensorsByTheirQuantizedSize() {
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    AppSettings* settings = s.app->settings();
    const qint64 gb = 1000LL * 1000 * 1000;
    QSignalSpy listed(m, &ModelsController::machineChanged);  // the engine's device listing
    QTRY_VERIFY_WITH_TIMEOUT(listed.count() > 0, kWait);      // before the machine is set
    m->setMachine({8 * gb, 0, {}});
    const auto choice = [&](int i) {
      return cell(r, 0, HubSearchModel::ChoicesRole).toList()[i].toMap()["fit"].toMap();
    };
    const coil::ModelConfig curated = coil::ModelConfig::parse_text(
        QJsonDocument(curatedConfig()).toJson().toStdString(), "config.json");
    QCOMPARE(settings->weights(), "stored");
    QCOMPARE(choice(0)["label"].toString(), "Too big for RAM");  // 14.5 GB of BF16
    const QVariantMap q4 = choice(2);                            // the Q4_K_M GGUF file

    settings->setWeights("q4_k");  // BF16 weights quantized at load: about 4.2 GB held
    QCOMPARE(choice(0)["label"].toString(), "Fits RAM");
    const QString tip = choice(0)["tip"].toString();
    QVERIFY2(tip.contains("Q4_K (quantized at load"), qPrintable(tip));
    QVERIFY2(tip.contains(coil::hub::formatBytes(
                 qint64(coil::quantized_weight_bytes(curated, coil::DType::Q4_K)))),
             qPrintable(tip));
    QCOMPARE(choice(2), q4);       // a GGUF file is held as stored
    settings->setWeights("q8_0");  // about 7.7 GB of 8: tight
    QCOMPARE(choice(0)["label"].toString(), "Tight fit");
    QVERIFY(choice(0)["tip"].toString().contains("Q8_0 (quantized at load"));

    // a safetensors repo of the search, once its config is read
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QTRY_VERIFY_WITH_TIMEOUT(cell(r, r->rowOf(kTiny), HubSearchModel::FitRole)
                                 .toMap()["tip"]
                                 .toString()
                                 .contains("Q8_0 (quantized at load"),
                             kWait);
    // the installed demo model (a safetensors folder): the bytes its Q8_0 copy holds
    QTRY_VERIFY_WITH_TIMEOUT(!s.installedModels()->scanning(), kWait);
    const int demo = rowWhere(s.installed(), InstalledModelsModel::KindRole, "demo");
    QVERIFY(demo >= 0);
    const QString demoDir = cell(s.installed(), demo, InstalledModelsModel::PathRole).toString();
    const coil::ModelConfig demoConfig =
        coil::ModelConfig::load((demoDir + "/config.json").toStdString());
    const auto demoTip = [&] {
      return cell(s.installed(), demo, InstalledModelsModel::FitRole).toMap()["tip"].toString();
    };
    QVERIFY2(demoTip().contains(QStringLiteral("%1 of Q8_0")
                                    .arg(coil::hub::formatBytes(qint64(coil::quantized_weight_bytes(
                                        demoConfig, coil::DType::Q8_0))))),
             qPrintable(demoTip()));
    settings->setWeights("stored");
    QVERIFY2(!demoTip().contains("quantized"), qPrintable(demoTip()));
    QCOMPARE(choice(0)["label"].toString(), "Too big for RAM");
  }

  // #12: one quant of a GGUF repo is one installed model: deleting it deletes that .gguf
  // file only (its link and blob); the repo's other quants stay listed and keep working.
  // Deleting the last one removes the repo.
  void deletingOneGgufQuantKeepsTheOthers() {
    Session s(data_);
    ModelsController* m = s.models();
    m->repoFiles()->show(kDemoGguf);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    QVERIFY(!m->repoFiles()->download("coil-demo.Q8_0.gguf").isEmpty());
    QVERIFY(finished.wait(kWait));
    QVERIFY(!m->repoFiles()->download("coil-demo.Q4_0.gguf").isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kWait);
    const QString snapshot = finished.last().at(1).toString();
    const QString q8 = snapshot + "/coil-demo.Q8_0.gguf", q4 = snapshot + "/coil-demo.Q4_0.gguf";
    const auto row = [&](const QString& path) {
      return s.installedModels()->scanning()
                 ? -2
                 : rowWhere(s.installed(), InstalledModelsModel::PathRole, path);
    };
    QTRY_VERIFY_WITH_TIMEOUT(row(q8) >= 0 && row(q4) >= 0, kWait);  // each quant its own entry
    QCOMPARE(cell(s.installed(), row(q8), InstalledModelsModel::NameRole).toString(),
             kDemoGguf + " · Q8_0");
    QCOMPARE(cell(s.installed(), row(q4), InstalledModelsModel::NameRole).toString(),
             kDemoGguf + " · Q4_0");
    const QString q4Blob = QFileInfo(q4).canonicalFilePath();
    const QString q8Blob = QFileInfo(q8).canonicalFilePath();
    QVERIFY(q4Blob != q8Blob);

    InstalledModelsController* installed = s.installedModels();
    QSignalSpy confirm(installed, &InstalledModelsController::deleteConfirmationRequested);
    QVERIFY(installed->requestDelete(q8));
    QCOMPARE(confirm.first().at(1).toString(), kDemoGguf + " · Q8_0");
    QCOMPARE(confirm.first().at(2).toString(), coil::hub::formatBytes(QFileInfo(q8Blob).size()));
    QSignalSpy deleted(installed, &InstalledModelsController::deleted);
    QVERIFY(installed->deleteInstalled(q8));
    QVERIFY(deleted.wait(kWait));
    QVERIFY(deleted.first().at(1).toBool());
    QVERIFY(!QFileInfo::exists(q8));
    QVERIFY(!QFileInfo::exists(q8Blob));  // its bytes, not only its link
    QVERIFY(QFileInfo::exists(q4));
    QCOMPARE(QFileInfo(q4).canonicalFilePath(), q4Blob);
    QTRY_VERIFY_WITH_TIMEOUT(row(q8) == -1 && row(q4) >= 0, kWait);
    // the other quant's finished download stays, the deleted one's goes
    QCOMPARE(s.downloads()->rowCount(), 1);
    QCOMPARE(m->queue()->entries().first().include, QStringList({"coil-demo.Q4_0.gguf"}));
    // the files dialog and the search say which quant is still there
    m->repoFiles()->show(kDemoGguf);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    RepoFilesModel* f = m->repoFiles()->files();
    QVERIFY(!cell(f, rowWhere(f, RepoFilesModel::PathRole, "coil-demo.Q8_0.gguf"),
                  RepoFilesModel::InstalledRole)
                 .toBool());
    QVERIFY(cell(f, rowWhere(f, RepoFilesModel::PathRole, "coil-demo.Q4_0.gguf"),
                 RepoFilesModel::InstalledRole)
                .toBool());
    // and it still loads
    QVERIFY(installed->useInNewChat(q4));
    QTRY_VERIFY_WITH_TIMEOUT(
        s.app->activeModel()->loaded() || !s.app->activeModel()->error().isEmpty(), kWait);
    QVERIFY2(s.app->activeModel()->loaded(), qPrintable(s.app->activeModel()->error()));
    QCOMPARE(s.app->activeModel()->title(), kDemoGguf + " · Q4_0");

    // the last quant (once not in use) takes the repo with it
    s.app->activeModel()->load(COIL_DEMO_MODEL_DIR);
    QTRY_VERIFY_WITH_TIMEOUT(s.app->activeModel()->loaded() &&
                                 s.app->activeModel()->name() == QLatin1String("coil-demo"),
                             kWait);
    QTRY_VERIFY_WITH_TIMEOUT(!installed->scanning(), kWait);
    QVERIFY(installed->deleteInstalled(q4));
    QVERIFY(deleted.wait(kWait));
    QVERIFY(deleted.last().at(1).toBool());
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--coil-demo-GGUF"));
    QCOMPARE(s.downloads()->rowCount(), 0);
  }

  // #12: the curated quants' repo names are Coil's, not the Hub's: when the Hub has no such
  // repo, the entry says so (no broken download offered) and offers a Hub search for GGUF
  // files of the model instead.
  void curatedQuantNotOnTheHubIsSaidSo() {
    const QString missing = QString(kCuratedRepoId) + "-Q4_K_M-GGUF";
    hub_->setKnobs({{"missing_repos", QJsonArray{missing}}});
    Session s(data_);
    ModelsController* m = s.models();
    HubSearchModel* r = s.results();
    QSignalSpy listed(m, &ModelsController::machineChanged);  // the engine's device listing
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching() && listed.count() > 0, kWait);
    m->setMachine({8LL * 1000 * 1000 * 1000, 0, {}});  // Q4_K_M is the one that would fit
    const auto choices = [&] { return cell(r, 0, HubSearchModel::ChoicesRole).toList(); };
    QTRY_VERIFY_WITH_TIMEOUT(!choices().value(2).toMap()["unavailable"].toString().isEmpty(),
                             30000);
    const QVariantMap q4 = choices()[2].toMap();
    QCOMPARE(q4["label"].toString(), "Q4_K_M · missing");
    QCOMPARE(q4["fit"].toMap()["label"].toString(), "Not on the Hub");
    QVERIFY2(q4["unavailable"].toString().contains(missing + ", is not on the Hugging Face Hub"),
             qPrintable(q4["unavailable"].toString()));
    QVERIFY(choices()[1].toMap()["unavailable"].toString().isEmpty());   // Q8_0 is there
    QCOMPARE(cell(r, 0, HubSearchModel::DefaultChoiceRole).toInt(), 1);  // not the missing one
    // no download of it is started; the page says why
    QCOMPARE(m->downloadChoice(QString(kCuratedRepoId), 2), QString());
    QVERIFY2(m->message().contains("Search the Hub for GGUF files"), qPrintable(m->message()));
    QCOMPARE(s.downloads()->rowCount(), 0);
    // Download gets the default, which exists
    const QString id = m->download(QString(kCuratedRepoId));
    QVERIFY(m->queue()->entry(id).has_value());
    QCOMPARE(m->queue()->entry(id)->repoId, QString(kCuratedRepoId) + "-Q8_0-GGUF");
    m->queue()->cancel(id);

    // the search it offers: GGUF repos named after the model
    m->searchGguf(QString(kCuratedRepoId));
    QVERIFY(m->ggufOnly());
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QCOMPARE(m->searchError(), QString());
    const QString query =
        hub_->requests("hub", "GET", "/api/models").last().toObject()["query"].toString();
    QVERIFY2(query.contains("search=falcon-mamba-7b-instruct") && query.contains("filter=gguf"),
             qPrintable(query));
    QVERIFY(r->rowOf(QString(kCuratedRepoId) + "-Q8_0-GGUF") >= 0);
    QCOMPARE(r->rowOf(missing), -1);
    for (int i = 0; i < r->rowCount(); ++i)
      QVERIFY(!cell(r, i, HubSearchModel::CuratedRole).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(r, r->rowOf(QString(kCuratedRepoId) + "-Q8_0-GGUF"), HubSearchModel::CompatibleRole)
            .toBool(),
        kWait);
    // typing a query of one's own searches everything again
    m->setQuery("mamba");
    QVERIFY(!m->ggufOnly());
  }

  // #15 item 9: a Hub that cannot be reached (here: a port nobody listens on) is "offline"
  // at once, for the search and for a repo's files; both can be retried.
  void unreachableHubSaysOffline() {
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    qputenv("HF_ENDPOINT", QStringLiteral("http://127.0.0.1:%1").arg(port).toUtf8());
    Session s(data_);
    qputenv("HF_ENDPOINT", hub_->endpoint().toUtf8());
    ModelsController* m = s.models();
    m->search("");
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY2(m->searchError().startsWith("Offline: "), qPrintable(m->searchError()));
    QVERIFY(m->searchError().contains("refused"));
    // the curated entry stays, with what Coil knows of it and no made-up counts
    QCOMPARE(s.results()->rowCount(), 1);
    QCOMPARE(cell(s.results(), 0, HubSearchModel::DownloadsRole).toLongLong(), qint64(0));
    m->repoFiles()->show(kTiny);
    QTRY_VERIFY_WITH_TIMEOUT(!m->repoFiles()->loading(), kWait);
    QVERIFY2(m->repoFiles()->error().startsWith("Offline: "), qPrintable(m->repoFiles()->error()));
    m->search("");  // Retry: asks again (and fails the same way)
    QVERIFY(m->searching());
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY(m->searchError().startsWith("Offline: "));
  }

  // #15 item 9: a download started while the Hub cannot be reached fails at once, saying the
  // Hub could not be reached (no retries with backoff while the row sits at "0 B").
  void unreachableHubDownloadFailsAtOnce() {
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    qputenv("HF_ENDPOINT", QStringLiteral("http://127.0.0.1:%1").arg(port).toUtf8());
    Session s(data_);
    qputenv("HF_ENDPOINT", hub_->endpoint().toUtf8());
    ModelsController* m = s.models();
    QVERIFY(!m->download(kTiny).isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kTiny), DownloadListModel::Failed, 10000);
    const QString error = cell(s.downloads(), 0, DownloadListModel::ErrorRole).toString();
    QVERIFY2(error.contains("Could not reach") && error.contains("refused"), qPrintable(error));
    QVERIFY2(!error.contains("gave up after"), qPrintable(error));  // no retries
    QVERIFY2(m->message().contains("Could not reach"), qPrintable(m->message()));
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::CanResumeRole).toBool());  // Retry
  }

  void offlineSearchesNothingAndSaysSo() {
    qputenv("HF_HUB_OFFLINE", "1");
    Session s(data_);
    qunsetenv("HF_HUB_OFFLINE");
    ModelsController* m = s.models();
    QVERIFY(m->offline());
    m->activate();
    QTRY_VERIFY_WITH_TIMEOUT(!m->searching(), kWait);
    QVERIFY2(m->searchError().contains("Offline"), qPrintable(m->searchError()));
    QCOMPARE(s.results()->rowCount(), 1);  // the curated entry stays
    QCOMPARE(cell(s.results(), 0, HubSearchModel::RepoIdRole).toString(), QString(kCuratedRepoId));
    QCOMPARE(m->download(kTiny), QString());
    QVERIFY(m->message().contains("Offline"));
    QVERIFY(hub_->requests("hub", "", "").isEmpty());
  }
};

QTEST_MAIN(TestModelsController)
#include "tst_models_controller.moc"
