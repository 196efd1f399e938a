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
#include <QJsonObject>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "curated_model.hpp"
#include "download_list_model.hpp"
#include "fake_hub.hpp"
#include "fixture_model.hpp"
#include "format_bytes.hpp"
#include "hub_search_model.hpp"
#include "installed_models_controller.hpp"
#include "installed_models_model.hpp"
#include "models_controller.hpp"
#include "repo_files_model.hpp"

using namespace coil::app;
using coil::hub::test::FakeHub;
using Tester = QAbstractItemModelTester;

namespace {

constexpr int kWait = 120000;
const QString kTiny = QStringLiteral("coil-test/tiny-mamba");
const QString kBig = QStringLiteral("coil-test/big-mamba");
const QString kGated = QStringLiteral("coil-test/gated-mamba");
const QString kChatReady = QStringLiteral("coil-test/chat-ready");

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
             m->results(), m->files(), m->downloads(), m->installed()->rows()})
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
  QString downloadStatus(const QString& repoId) const {
    const int r = download(repoId);
    return r < 0 ? QString() : cell(downloads(), r, DownloadListModel::StatusRole).toString();
  }
  int installedRow(const QString& repoId) const {
    return rowWhere(installed(), InstalledModelsModel::RepoIdRole, repoId);
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
    hub_ = std::make_unique<FakeHub>(QStringList{kChatReady + "=" + chatModel});
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
    QVERIFY(!cell(r, 0, HubSearchModel::FitLabelRole).toString().isEmpty());

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
    QVERIFY(!cell(r, tiny, HubSearchModel::FitLabelRole).toString().isEmpty());
    QVERIFY(cell(r, tiny, HubSearchModel::FitTipRole).toString().contains("RAM"));
    QTRY_VERIFY_WITH_TIMEOUT(!cell(r, 0, HubSearchModel::SizeTextRole).toString().isEmpty(), kWait);
    // the 7B's config gives its real estimate: 14.5 GB of BF16 weights
    QVERIFY(cell(r, 0, HubSearchModel::FitTipRole).toString().contains("14.5 GB of 16-bit"));
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
    RepoFilesModel* f = m->files();
    QSignalSpy changed(m, &ModelsController::filesChanged);
    m->showFiles(kTiny);
    QCOMPARE(m->filesRepo(), kTiny);
    QVERIFY(m->filesLoading());
    QTRY_VERIFY_WITH_TIMEOUT(!m->filesLoading(), kWait);
    QCOMPARE(m->filesError(), QString());
    QCOMPARE(f->rowCount(), 5);
    const int weights = rowWhere(f, RepoFilesModel::PathRole, "model.safetensors");
    QVERIFY(weights >= 0);
    QCOMPARE(cell(f, weights, RepoFilesModel::SizeRole).toLongLong(), qint64(300000));
    QVERIFY(cell(f, weights, RepoFilesModel::LfsRole).toBool());
    QCOMPARE(cell(f, weights, RepoFilesModel::KindRole).toString(), "weights");
    QVERIFY(rowWhere(f, RepoFilesModel::PathRole, "extra/notes/info.txt") >= 0);
    QVERIFY(f->totalText().startsWith("5 files, "));
    QVERIFY(changed.count() >= 2);

    m->showFiles("coil-test/no-such-repo");
    QTRY_VERIFY_WITH_TIMEOUT(!m->filesLoading(), kWait);
    QVERIFY2(m->filesError().contains("not found"), qPrintable(m->filesError()));
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
    QCOMPARE(s.downloadStatus(kTiny), "finished");
    QCOMPARE(cell(s.downloads(), 0, DownloadListModel::FractionRole).toDouble(), 1.0);
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::BytesTextRole).toString().contains(" of "));
    QVERIFY(s.app->banners()->has("download-finished"));
    // installed: in the cache, usable, its size and path
    const int row = s.installedRow(kTiny);
    QVERIFY(row >= 0);
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
    QCOMPARE(s.downloadStatus(kTiny), "downloading");
    const double fraction = cell(s.downloads(), 0, DownloadListModel::FractionRole).toDouble();
    QVERIFY(fraction > 0 && fraction < 1);
    QVERIFY(cell(s.downloads(), 0, DownloadListModel::CanPauseRole).toBool());
    s.downloads()->pause(id);
    QCOMPARE(s.downloadStatus(kTiny), "paused");
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
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kTiny), QStringLiteral("finished"), kWait);
    const QString checking = QStringLiteral("Checking | checking 0 B of %1 already downloaded")
                                 .arg(coil::hub::formatBytes(kept));
    QVERIFY2(texts.contains(checking), qPrintable(texts.join('\n')));
    QVERIFY(s.installedRow(kTiny) >= 0);
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
    QVERIFY(s.installedRow(kTiny) >= 0);  // config.json is there: an incomplete snapshot
    s.downloads()->cancel(id);
    QCOMPARE(s.downloads()->rowCount(), 0);
    QCOMPARE(incompleteBytes(cache_), qint64(0));
    // nothing complete was there: the repo's folder is gone too
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--tiny-mamba"));
    QCOMPARE(s.installedRow(kTiny), -1);  // the Installed list (and its count) followed
  }

  void restartContinuesUnfinishedDownloads() {
    qint64 kept = 0;
    {
      Session s(data_);
      hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
      s.models()->download(kTiny);
      const QString big = s.models()->download(kBig);
      QCOMPARE(s.downloadStatus(kBig), "queued");  // one at a time
      s.downloads()->pause(big);
      QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, kWait);
      QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cache_) > 0, kWait);
      QCOMPARE(s.downloadStatus(kTiny), "downloading");
    }  // the app quits mid-download
    hub_->release();
    kept = incompleteBytes(cache_);
    QVERIFY(kept > 0);
    QVERIFY(QFileInfo::exists(data_ + "/downloads.json"));  // in the data folder

    Session s(data_);
    QCOMPARE(s.downloads()->rowCount(), 2);
    QCOMPARE(s.downloadStatus(kBig), "paused");  // paused stays paused
    // the interrupted one continues by itself, from its partial file
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kTiny), QStringLiteral("finished"), kWait);
    QCOMPARE(hub_->requests("cdn", "GET", "").last().toObject()["range"].toString(),
             QStringLiteral("bytes=%1-").arg(kept));
    QVERIFY(s.installedRow(kTiny) >= 0);
    QCOMPARE(s.downloadStatus(kBig), "paused");
    s.downloads()->resume(s.downloads()->idOfRepo(kBig));
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kBig), QStringLiteral("finished"), kWait);
    QVERIFY(s.installedRow(kBig) >= 0);
  }

  void deleteRemovesTheRepoAndRefusesWhatItMustNot() {
    Session s(data_);
    ModelsController* m = s.models();
    QSignalSpy finished(m, &ModelsController::downloadFinished);
    m->download(kTiny);
    QVERIFY(finished.wait(kWait));
    const QString path = finished.first().at(1).toString();
    InstalledModelsController* installed = s.installedModels();
    QSignalSpy confirm(installed, &InstalledModelsController::deleteConfirmationRequested);
    QVERIFY(installed->requestDelete(path));
    QCOMPARE(confirm.count(), 1);
    QCOMPARE(confirm.first().at(1).toString(), kTiny);
    QVERIFY(confirm.first().at(2).toString().endsWith("kB"));
    QVERIFY(installed->deleteInstalled(path));
    QVERIFY(!QFileInfo::exists(cache_ + "/models--coil-test--tiny-mamba"));
    QCOMPARE(s.installedRow(kTiny), -1);
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
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kGated), QStringLiteral("failed"), kWait);
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
    QTRY_COMPARE_WITH_TIMEOUT(s.downloadStatus(kGated), QStringLiteral("finished"), kWait);
    QVERIFY(s.installedRow(kGated) >= 0);
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
    const int row = s.installedRow(kChatReady);
    QVERIFY(row >= 0);
    QVERIFY(cell(s.installed(), row, InstalledModelsModel::CompatibleRole).toBool());
    InstalledModelsController* installed = s.installedModels();
    QSignalSpy chat(installed, &InstalledModelsController::chatRequested);
    QSignalSpy loaded(s.app->activeModel(), &ActiveModel::modelChanged);
    QVERIFY(installed->useInNewChat(path));
    QCOMPARE(chat.count(), 1);
    QCOMPARE(s.app->chat()->conversationId(), qint64(0));
    QTRY_VERIFY_WITH_TIMEOUT(s.app->activeModel()->loaded(), kWait);
    QCOMPARE(s.app->activeModel()->path(), path);
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
