// The Models page's pieces on their own: its list models under QAbstractItemModelTester
// (search results, repo files, installed models, downloads), the curated-first rule, the
// memory-fit badge against given machines, the device-list parsing, the cache scan and its
// file operations, and the saved token.
#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "curated_model.hpp"
#include "download_list_model.hpp"
#include "download_queue.hpp"
#include "hub_client.hpp"
#include "hub_search_model.hpp"
#include "hub_token_store.hpp"
#include "installed_model.hpp"
#include "installed_models_model.hpp"
#include "memory_fit.hpp"
#include "model_name.hpp"
#include "repo_files_model.hpp"
#include "search_results.hpp"

using namespace coil::app;
using Tester = QAbstractItemModelTester;

namespace {

constexpr qint64 GB = 1000LL * 1000 * 1000;
constexpr qint64 GiB = 1024LL * 1024 * 1024;
const QString kCommit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");

coil::hub::ModelSummary summary(const QString& id, const QString& type, bool safetensors,
                                qint64 downloads = 0) {
  coil::hub::ModelSummary m;
  m.id = id;
  m.modelType = type;
  m.downloads = downloads;
  m.files = {QStringLiteral("config.json"),
             safetensors ? QStringLiteral("model.safetensors") : QStringLiteral("model.bin")};
  coil::hub::classifyCompatibility(m);
  return m;
}

HubSearchRow searchRow(const QString& id, qint64 downloads = 0) {
  HubSearchRow r;
  r.summary = summary(id, "mamba", true, downloads);
  return r;
}

QStringList ids(const QAbstractItemModel& m, int role) {
  QStringList out;
  for (int i = 0; i < m.rowCount(); ++i) out << m.index(i, 0).data(role).toString();
  return out;
}

void write(const QString& path, const QByteArray& data) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(data), qint64(data.size()));
}

// A repo in a hand-made cache: blobs named by etag, snapshot links, refs/main.
void addCachedRepo(const QString& cache, const QString& repoId,
                   const QList<QPair<QString, QByteArray>>& files) {
  const coil::hub::RepoCache rc(cache, repoId);
  int n = 0;
  for (const auto& [path, data] : files) {
    const QString etag = QStringLiteral("etag%1").arg(++n);
    write(rc.blobPath(etag), data);
    QString error;
    QVERIFY2(rc.linkSnapshotFile(kCommit, path, etag, &error), qPrintable(error));
  }
  QString error;
  QVERIFY2(rc.writeRef("main", kCommit, &error), qPrintable(error));
}

QByteArray config(const QString& type) {
  return QStringLiteral(
             "{\"model_type\": \"%1\", \"hidden_size\": 32, \"intermediate_size\": 64, "
             "\"num_hidden_layers\": 2, \"vocab_size\": 256, \"state_size\": 16, "
             "\"conv_kernel\": 4, \"torch_dtype\": \"float32\"}")
      .arg(type)
      .toUtf8();
}

}  // namespace

class TestModelsLists : public QObject {
  Q_OBJECT

 private slots:
  void searchResultsModel() {
    HubSearchModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    QSignalSpy count(&m, &SyncedListModel::countChanged);
    HubSearchRow gated = searchRow("org/gated");
    gated.summary.gated = "manual";
    gated.needsToken = true;
    HubSearchRow bin;
    bin.summary = summary("org/bin-only", "mamba", false);
    m.setRows({searchRow("org/a", 1234), gated, bin});
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(count.count(), 1);
    QCOMPARE(m.index(0, 0).data(HubSearchModel::NameRole).toString(), "a");
    QCOMPARE(m.index(0, 0).data(HubSearchModel::AuthorRole).toString(), "org");
    QCOMPARE(m.index(0, 0).data(HubSearchModel::DownloadsTextRole).toString(), "1.2k");
    QCOMPARE(m.index(0, 0).data(HubSearchModel::SizeTextRole).toString(), QString());
    QVERIFY(m.index(1, 0).data(HubSearchModel::NeedsTokenRole).toBool());
    QVERIFY(m.index(1, 0).data(HubSearchModel::GatedRole).toBool());
    QVERIFY(!m.index(2, 0).data(HubSearchModel::CompatibleRole).toBool());
    QVERIFY(m.index(2, 0).data(HubSearchModel::ReasonRole).toString().contains("safetensors"));
    // details arrive, the list is re-sorted and shrinks: rows move rather than reset
    HubSearchRow sized = searchRow("org/a", 1234);
    sized.sizeBytes = 1500000;
    QSignalSpy moved(&m, &QAbstractItemModel::rowsMoved);
    m.setRows({bin, sized});
    QCOMPARE(ids(m, HubSearchModel::RepoIdRole), (QStringList{"org/bin-only", "org/a"}));
    QCOMPARE(moved.count(), 1);
    QCOMPARE(m.index(1, 0).data(HubSearchModel::SizeTextRole).toString(), "1.5 MB");
    QCOMPARE(m.rowOf("org/a"), 1);
    QCOMPARE(m.rowOf("org/gated"), -1);
    m.setRows({});
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(HubSearchModel::compactNumber(2500000), "2.5M");
    QCOMPARE(HubSearchModel::compactNumber(999), "999");
  }

  void repoFilesModel() {
    RepoFilesModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    QSignalSpy changed(&m, &RepoFilesModel::filesChanged);
    coil::hub::RepoFile weights{"model.safetensors", 300000, "b1", QString(64, 'a')};
    coil::hub::RepoFile cfg{"config.json", 500, "b2", {}};
    coil::hub::RepoFile tok{"tokenizer.json", 2000, "b3", {}};
    coil::hub::RepoFile readme{"docs/README.md", 100, "b4", {}};
    m.setFiles({cfg, weights, tok, readme});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(m.index(1, 0).data(RepoFilesModel::KindRole).toString(), "weights");
    QVERIFY(m.index(1, 0).data(RepoFilesModel::LfsRole).toBool());
    QVERIFY(!m.index(0, 0).data(RepoFilesModel::LfsRole).toBool());
    QCOMPARE(m.index(0, 0).data(RepoFilesModel::KindRole).toString(), "config");
    QCOMPARE(m.index(2, 0).data(RepoFilesModel::KindRole).toString(), "tokenizer");
    QCOMPARE(m.index(3, 0).data(RepoFilesModel::KindRole).toString(), "other");
    QCOMPARE(m.totalBytes(), qint64(302600));
    QCOMPARE(m.totalText(), "4 files, 302.6 kB");
    m.setFiles({weights});
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(m.totalText(), "1 file, 300.0 kB");
    QCOMPARE(changed.count(), 2);
  }

  void installedModelsModel() {
    InstalledModelsModel m;
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    InstalledRow hub;
    hub.model.name = hub.model.repoId = "org/a";
    hub.model.path = "/cache/models--org--a/snapshots/x";
    hub.model.kind = "hub";
    hub.model.sizeBytes = 2 * GB;
    hub.model.compatible = true;
    InstalledRow demo;
    demo.model.name = "coil-demo";
    demo.model.path = "/share/coil/models/coil-demo";
    demo.model.kind = "demo";
    demo.model.compatible = true;
    demo.deleteBlock = "The bundled demo model is part of Coil and cannot be deleted.";
    m.setRows({hub, demo});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(0, 0).data(InstalledModelsModel::SizeTextRole).toString(), "2.0 GB");
    QCOMPARE(m.index(0, 0).data(InstalledModelsModel::KindTextRole).toString(),
             "Hugging Face cache");
    QVERIFY(m.index(0, 0).data(InstalledModelsModel::CanDeleteRole).toBool());
    QVERIFY(!m.index(1, 0).data(InstalledModelsModel::CanDeleteRole).toBool());
    QCOMPARE(m.index(1, 0).data(InstalledModelsModel::KindTextRole).toString(), "Bundled demo");
    QVERIFY(m.find(demo.model.path));
    QVERIFY(!m.find("/nowhere"));
    hub.inUse = true;
    m.setRows({demo, hub});
    QVERIFY(m.index(1, 0).data(InstalledModelsModel::InUseRole).toBool());
    m.setRows({demo});
    QCOMPARE(m.rowCount(), 1);
  }

  void downloadListModel() {
    // A queue that is never started: entries are added, paused, resumed and removed without
    // any transfer.
    QTemporaryDir state;
    coil::hub::HubSettings settings;
    settings.endpoint = "http://127.0.0.1:9";
    settings.cacheDir = state.filePath("cache");
    coil::hub::HubClient client(settings);
    coil::hub::DownloadQueue queue(&client, state.path());
    DownloadListModel m(&queue, settings.cacheDir);
    Tester tester(&m, Tester::FailureReportingMode::QtTest);
    QSignalSpy active(&m, &DownloadListModel::activeCountChanged);
    const QString a = queue.enqueue("org/a");
    const QString b = queue.enqueue("org/b");
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.activeCount(), 2);
    QVERIFY(active.count() >= 1);
    QCOMPARE(m.index(0, 0).data(DownloadListModel::StatusRole).toInt(),
             int(DownloadListModel::Queued));
    QVERIFY(m.index(0, 0).data(DownloadListModel::CanPauseRole).toBool());
    QCOMPARE(m.statusOfRepo("org/b"), DownloadListModel::Queued);
    QCOMPARE(m.idOfRepo("org/b"), b);
    QCOMPARE(m.statusOfRepo("org/none"), DownloadListModel::None);
    m.pause(a);
    QCOMPARE(m.index(0, 0).data(DownloadListModel::StatusTextRole).toString(), "Paused");
    QVERIFY(m.index(0, 0).data(DownloadListModel::CanResumeRole).toBool());
    QCOMPARE(m.index(0, 0).data(DownloadListModel::EtaSecondsRole).toLongLong(), -1);
    m.resume(a);
    QCOMPARE(m.index(0, 0).data(DownloadListModel::StatusRole).toInt(),
             int(DownloadListModel::Queued));
    // progress reaches the row in place
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    emit queue.progress(b, 250000, 1000000, 50000.0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.index(1, 0).data(DownloadListModel::FractionRole).toDouble(), 0.25);
    QCOMPARE(m.index(1, 0).data(DownloadListModel::BytesTextRole).toString(), "250.0 kB of 1.0 MB");
    m.cancel(a);
    m.remove(b);
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(m.activeCount(), 0);
    QCOMPARE(DownloadListModel::etaSeconds(250000, 1000000, 50000.0), qint64(15));
    QCOMPARE(DownloadListModel::etaSeconds(0, 0, 50000.0), qint64(-1));
    QCOMPARE(DownloadListModel::etaSeconds(0, 100, 0), qint64(-1));
    QCOMPARE(DownloadListModel::formatDuration(42), "42 s");
    QCOMPARE(DownloadListModel::formatDuration(180), "3 min");
    QCOMPARE(DownloadListModel::formatDuration(3900), "1 h 5 min");
  }

  void curatedEntryComesFirst() {
    const QString curated = kCuratedRepoId;
    // not returned by the Hub: the built-in entry leads
    auto rows = withCuratedFirst("", {summary("org/a", "mamba", true)});
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].id, curated);
    QVERIFY(rows[0].compatible);
    // returned by the Hub further down: moved to the front with the Hub's numbers
    auto hubs = summary(curated, "falcon_mamba", true, 90000);
    rows = withCuratedFirst("falcon mamba", {summary("org/a", "mamba", true), hubs});
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].id, curated);
    QCOMPARE(rows[0].downloads, qint64(90000));
    // a query that does not match it leaves the results alone
    rows = withCuratedFirst("llama", {summary("org/llama", "llama", true)});
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].id, "org/llama");
    QVERIFY(queryMatchesCurated("  "));
    QVERIFY(queryMatchesCurated("TIIUAE instruct"));
    QVERIFY(!queryMatchesCurated("mamba-130m"));
    // its built-in shape gives the 7B's estimate: 7.27e9 BF16 parameters + ~40 MB of state
    const auto e = coil::hub::estimateMemory(curatedConfig(), 0, 0, 0);
    QVERIFY(e.valid);
    QVERIFY(e.parameterCount > 7200000000LL && e.parameterCount < 7300000000LL);
    QCOMPARE(e.dtypeBytes, 2);
    QVERIFY(e.stateBytes > 35000000 && e.stateBytes < 45000000);
  }

  void memoryFitBadge() {
    coil::hub::MemoryEstimate e;
    e.valid = true;
    e.dtypeBytes = 2;
    e.weightBytes = 14500 * 1000000LL;
    e.stateBytes = 40 * 1000000LL;
    e.totalBytes = e.weightBytes + e.stateBytes;
    MemoryFit fit = assessMemoryFit(e, MachineMemory{64 * GB, 0, {}});
    QCOMPARE(fit.level, MemoryFit::Level::Ram);
    QCOMPARE(fit.label, "Fits RAM");
    QCOMPARE(fit.tone, "good");
    QVERIFY(fit.tip.contains("14.5 GB of 16-bit weights"));
    QVERIFY(fit.tip.contains("No GPU memory is known"));
    fit = assessMemoryFit(e, MachineMemory{16 * GB, 0, {}});
    QCOMPARE(fit.level, MemoryFit::Level::Tight);
    QCOMPARE(fit.tone, "warn");
    fit = assessMemoryFit(e, MachineMemory{8 * GB, 0, {}});
    QCOMPARE(fit.level, MemoryFit::Level::TooBig);
    QCOMPARE(fit.label, "Too big for RAM");
    fit = assessMemoryFit(e, MachineMemory{8 * GB, 80 * GiB, "H100"});
    QCOMPARE(fit.level, MemoryFit::Level::Gpu);
    QVERIFY(fit.tip.contains("H100"));
    fit = assessMemoryFit(e, MachineMemory{64 * GB, 8 * GiB, "small GPU"});
    QCOMPARE(fit.level, MemoryFit::Level::Ram);  // too big for the GPU, fine in RAM
    fit = assessMemoryFit(coil::hub::MemoryEstimate{}, MachineMemory{64 * GB, 0, {}});
    QCOMPARE(fit.level, MemoryFit::Level::Unknown);
    QCOMPARE(fit.label, QString());
  }

  void gpuMemoryFromTheDeviceListing() {
    auto gpu = [](const char* name, qint64 bytes) {
      return QVariantMap{{"name", QString::fromLatin1(name)}, {"bytes", bytes}};
    };
    const QVariantList gpus{
        gpu("NVIDIA H100 80GB HBM3 (79.1 GiB, compute 9.0)", qint64(79.1 * GiB)),
        gpu("NVIDIA H100, discrete GPU, 80.0 GiB, ...", qint64(80.0 * GiB)),
        gpu("Small GPU", qint64(4.0 * GiB))};
    const MachineMemory m = machineMemory(gpus);
    QCOMPARE(m.gpuBytes, qint64(80.0 * GiB));  // the largest
    QVERIFY(m.gpuName.contains("discrete"));
    QVERIFY(m.ramBytes > 0);  // /proc/meminfo
    QVERIFY(describeMachine(m).contains("GPU: 85.9 GB"));
    const MachineMemory none = machineMemory(QVariantList{});
    QCOMPARE(none.gpuBytes, qint64(0));
    QVERIFY(describeMachine(none).contains("GPU: none listed"));
  }

  void cacheScanAndFileOperations() {
    QTemporaryDir tmp;
    const QString cache = tmp.filePath("hub");
    addCachedRepo(
        cache, "org/good",
        {{"config.json", config("falcon_mamba")}, {"model.safetensors", QByteArray(1000, 'w')}});
    write(coil::hub::RepoCache(cache, "org/good").incompletePath("next"), QByteArray(50, 'p'));
    addCachedRepo(cache, "org/partial", {{"config.json", config("mamba")}});
    write(coil::hub::RepoCache(cache, "org/partial").incompletePath("w"), QByteArray(70, 'p'));
    addCachedRepo(cache, "other/llama",
                  {{"config.json", config("llama")}, {"model.safetensors", QByteArray(10, 'w')}});
    QDir().mkpath(cache + "/datasets--org--data/snapshots");  // not a model: skipped

    const QList<InstalledModel> found = scanHubCache(cache);
    QCOMPARE(found.size(), 3);
    QCOMPARE(found[0].repoId, "org/good");
    QVERIFY(found[0].complete);
    QVERIFY(found[0].compatible);
    QCOMPARE(found[0].kind, "hub");
    QCOMPARE(found[0].path, QDir::cleanPath(cache + "/models--org--good/snapshots/" + kCommit));
    QCOMPARE(found[0].sizeBytes, qint64(config("falcon_mamba").size() + 1000));  // no partial
    QVERIFY(found[0].estimate.valid);
    QCOMPARE(found[1].repoId, "org/partial");
    QVERIFY(!found[1].complete);
    QVERIFY(!found[1].compatible);
    QVERIFY(found[1].reason.contains("incomplete"));
    QCOMPARE(found[2].repoId, "other/llama");
    QVERIFY(found[2].complete);
    QVERIFY(!found[2].compatible);
    QVERIFY(found[2].reason.contains("llama"));

    QVERIFY(hasCompleteSnapshot(cache, "org/good"));
    QVERIFY(!hasCompleteSnapshot(cache, "org/partial"));
    // a cancelled download: partial files go; the folder too unless a complete snapshot is there
    discardIncompleteDownload(cache, "org/good");
    QVERIFY(!QFile::exists(coil::hub::RepoCache(cache, "org/good").incompletePath("next")));
    QVERIFY(QFileInfo(cache + "/models--org--good").isDir());
    discardIncompleteDownload(cache, "org/partial");
    QVERIFY(!QFileInfo::exists(cache + "/models--org--partial"));
    QString error;
    QVERIFY(removeRepoFromCache(cache, "other/llama", &error));
    QVERIFY(!QFileInfo::exists(cache + "/models--other--llama"));
    QVERIFY(!removeRepoFromCache(QString(), "org/good", &error));
    QCOMPARE(scanHubCache(cache).size(), 1);

    // a folder outside the cache
    const QString folder = tmp.filePath("my-model");
    write(folder + "/config.json", config("mamba"));
    write(folder + "/model.safetensors", QByteArray(64, 'w'));
    const InstalledModel m = describeFolder(folder, "folder");
    QCOMPARE(m.name, "my-model");
    QVERIFY(m.compatible);
    QCOMPARE(m.repoDir, QString());
    QCOMPARE(m.sizeBytes, qint64(config("mamba").size() + 64));
  }

  // #15 item 3: a downloaded model is named by its repo id (the revision only off main), a
  // folder by its name, a GGUF file by its name; the GGUF quant from the file name.
  void modelNames() {
    QTemporaryDir tmp;
    const QString repo = tmp.filePath("hub/models--tiiuae--falcon-mamba-7b-instruct");
    const QString other = QStringLiteral("fedcba9876543210fedcba9876543210fedcba98");
    const QString third = QStringLiteral("1eae3cd9a4ca00000000000000000000000000ff");
    for (const QString& c : {kCommit, other, third})
      QVERIFY(QDir().mkpath(repo + "/snapshots/" + c));
    QVERIFY(QDir().mkpath(repo + "/refs/pr"));
    const auto writeRef = [&](const QString& name, const QString& commit) {
      QFile f(repo + "/refs/" + name);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(commit.toLatin1());
    };
    writeRef("main", kCommit);
    writeRef("pr/7", other);
    QCOMPARE(modelDisplayName(repo + "/snapshots/" + kCommit), "tiiuae/falcon-mamba-7b-instruct");
    QCOMPARE(modelDisplayName(repo + "/snapshots/" + kCommit + "/"),
             "tiiuae/falcon-mamba-7b-instruct");
    QCOMPARE(modelDisplayName(repo + "/snapshots/" + other),
             "tiiuae/falcon-mamba-7b-instruct @ pr/7");
    QCOMPARE(modelDisplayName(repo + "/snapshots/" + third),
             "tiiuae/falcon-mamba-7b-instruct @ 1eae3cd9");
    QCOMPARE(repoIdOfSnapshotPath(repo + "/snapshots/" + third), "tiiuae/falcon-mamba-7b-instruct");
    // a GGUF file inside a snapshot: the repo; by hand: the file's name
    QFile gguf(repo + "/snapshots/" + kCommit + "/falcon-mamba-7b-instruct-q4_k_m.gguf");
    QVERIFY(gguf.open(QIODevice::WriteOnly));
    gguf.write("GGUF");
    gguf.close();
    QCOMPARE(modelDisplayName(gguf.fileName()), "tiiuae/falcon-mamba-7b-instruct");
    QVERIFY(QFile::copy(gguf.fileName(), tmp.filePath("my-model.Q8_0.gguf")));
    QCOMPARE(modelDisplayName(tmp.filePath("my-model.Q8_0.gguf")), "my-model.Q8_0");
    QCOMPARE(modelDisplayName(tmp.filePath("some/folder/falcon-local")), "falcon-local");
    QCOMPARE(repoIdOfSnapshotPath(tmp.filePath("some/folder/falcon-local")), QString());
    // a broken file says nothing about its quant
    QCOMPARE(ggufQuantLabel(gguf.fileName()), QString());
    QCOMPARE(modelTitle("org/name", "Q4_K_M"), "org/name · Q4_K_M");
    QCOMPARE(modelTitle("org/name", ""), "org/name");
    QCOMPARE(coil::hub::ggufQuantOfFileName("falcon-mamba-7b-instruct.Q4_K_M.gguf"), "Q4_K_M");
    QCOMPARE(coil::hub::ggufQuantOfFileName("x/falcon-mamba-7b-instruct-q4_k_m.gguf"), "Q4_K_M");
    QCOMPARE(coil::hub::ggufQuantOfFileName("model-BF16.gguf"), "BF16");
    QCOMPARE(coil::hub::ggufQuantOfFileName("m.IQ3_XS.gguf"), "IQ3_XS");
    QCOMPARE(coil::hub::ggufQuantOfFileName("m.Q8_0-00001-of-00002.gguf"), "Q8_0");
    QCOMPARE(coil::hub::ggufQuantOfFileName("model.gguf"), QString());
  }

  void savedToken() {
    QTemporaryDir tmp;
    HubTokenStore store(tmp.path());
    QCOMPARE(store.token(), QString());
    QString error;
    QVERIFY(store.setToken("  hf_secret \n", &error));
    QCOMPARE(store.token(), "hf_secret");
    const QFileInfo file(tmp.filePath("hf_token"));
    QVERIFY(file.exists());
    QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    QCOMPARE(HubTokenStore(tmp.path()).token(), "hf_secret");  // read back by a new store
    QVERIFY(store.setToken("", &error));
    QVERIFY(!QFileInfo::exists(tmp.filePath("hf_token")));
    QCOMPARE(store.token(), QString());
    HubTokenStore memory{QString()};
    QVERIFY(memory.setToken("hf_mem", &error));
    QCOMPARE(memory.token(), "hf_mem");
  }
};

QTEST_GUILESS_MAIN(TestModelsLists)
#include "tst_models_lists.moc"
