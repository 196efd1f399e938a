// The JSON API against the local Hub stand-in: search (sort, filter, Link pagination,
// compatibility), repo details and recursive, paginated file trees, and API errors.
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include "fake_hub.hpp"
#include "hub_client.hpp"

using namespace coil::hub;
using coil::hub::test::FakeHub;

class TstApi : public QObject {
  Q_OBJECT
  std::unique_ptr<FakeHub> hub_;
  QTemporaryDir cache_;

  HubSettings settings() const { return hub_->settings(cache_.path()); }

 private slots:
  void initTestCase() {
    hub_ = std::make_unique<FakeHub>();
    QVERIFY2(hub_->isRunning(), qPrintable(hub_->startError()));
  }
  void init() { hub_->reset(); }
  void cleanupTestCase() { hub_.reset(); }

  void searchSortsAndPaginates() {
    HubClient client(settings());
    SearchQuery q;
    q.text = QStringLiteral("mamba");
    q.sort = SearchSort::Downloads;
    q.limit = 3;
    HubError err;
    SearchPage page = client.searchSync(q, &err);
    QVERIFY2(!err, qPrintable(err.message));
    QCOMPARE(page.models.size(), 3);
    QVERIFY(page.hasNext());
    QCOMPARE(page.models[0].id, QStringLiteral("tiiuae/falcon-mamba-7b-instruct"));
    QList<ModelSummary> all = page.models;
    int pages = 1;
    while (page.hasNext()) {
      page = client.searchPageSync(page.next, &err);
      QVERIFY2(!err, qPrintable(err.message));
      all += page.models;
      QVERIFY(++pages < 20);
    }
    QVERIFY(pages >= 3);
    QSet<QString> ids;
    for (int i = 0; i < all.size(); ++i) {
      QVERIFY(all[i].id.toLower().contains("mamba"));
      ids.insert(all[i].id);
      if (i > 0) QVERIFY(all[i - 1].downloads >= all[i].downloads);
    }
    QCOMPARE(ids.size(), all.size());  // no duplicates across pages
    QVERIFY(ids.contains("coil-test/tiny-mamba"));
    QVERIFY(!ids.contains("meta-llama/Llama-2-7b-hf"));

    // The query as the real Hub takes it.
    const QJsonArray first = hub_->requests("hub", "GET", "/api/models");
    QVERIFY(!first.isEmpty());
    const QUrlQuery sent(first[0].toObject().value("query").toString());
    QCOMPARE(sent.queryItemValue("sort"), QStringLiteral("downloads"));
    QCOMPARE(sent.queryItemValue("direction"), QStringLiteral("-1"));
    QCOMPARE(sent.queryItemValue("full"), QStringLiteral("true"));
    QCOMPARE(sent.queryItemValue("config"), QStringLiteral("true"));
  }

  void searchCompatibility() {
    HubClient client(settings());
    SearchQuery q;
    q.limit = 100;
    HubError err;
    const SearchPage page = client.searchSync(q, &err);
    QVERIFY2(!err, qPrintable(err.message));
    QMap<QString, ModelSummary> byId;
    for (const ModelSummary& m : page.models) byId[m.id] = m;
    QVERIFY(byId["tiiuae/falcon-mamba-7b-instruct"].compatible);
    QCOMPARE(byId["tiiuae/falcon-mamba-7b-instruct"].modelType, QStringLiteral("falcon_mamba"));
    QVERIFY(byId["state-spaces/mamba-130m-hf"].compatible);
    const ModelSummary llama = byId["meta-llama/Llama-2-7b-hf"];
    QVERIFY(!llama.compatible);
    QVERIFY(llama.isGated());
    QVERIFY(llama.incompatibleReason.contains("llama"));
    QVERIFY(!byId["state-spaces/mamba-130m"].compatible);
    QVERIFY(!byId["state-spaces/mamba-130m"].incompatibleReason.isEmpty());
    QVERIFY(byId["state-spaces/mamba2-130m"].incompatibleReason.contains("mamba2"));
    QVERIFY(byId["someone/falcon-mamba-7b-GGUF"].incompatibleReason.contains("GGUF"));
    QVERIFY(byId["tiiuae/falcon-mamba-7b-instruct"].files.contains("model.safetensors.index.json"));
  }

  void searchSortsByLikesAndDateAndFilters() {
    HubClient client(settings());
    HubError err;
    SearchQuery q;
    q.limit = 100;
    q.sort = SearchSort::Likes;
    SearchPage page = client.searchSync(q, &err);
    QVERIFY(!err);
    for (int i = 1; i < page.models.size(); ++i)
      QVERIFY(page.models[i - 1].likes >= page.models[i].likes);
    q.sort = SearchSort::LastModified;
    page = client.searchSync(q, &err);
    QVERIFY(!err);
    for (int i = 1; i < page.models.size(); ++i)
      QVERIFY(page.models[i - 1].lastModified >= page.models[i].lastModified);
    q.filters = QStringList{"falcon_mamba"};
    page = client.searchSync(q, &err);
    QVERIFY(!err);
    QVERIFY(!page.models.isEmpty());
    for (const ModelSummary& m : page.models) QCOMPARE(m.modelType, QStringLiteral("falcon_mamba"));
    q.filters.clear();
    q.author = QStringLiteral("state-spaces");
    page = client.searchSync(q, &err);
    QVERIFY(!err);
    QCOMPARE(page.models.size(), 3);
  }

  void repoDetails() {
    HubClient client(settings());
    HubError err;
    const RepoInfo info = client.repoInfoSync("coil-test/gated-mamba", "main", &err);
    QVERIFY2(!err, qPrintable(err.message));
    QCOMPARE(info.sha.size(), 40);
    QCOMPARE(info.summary.gated, QStringLiteral("manual"));
    QVERIFY(info.summary.compatible);
    const RepoInfo byCommit = client.repoInfoSync("coil-test/gated-mamba", info.sha, &err);
    QVERIFY(!err);
    QCOMPARE(byCommit.sha, info.sha);
    QVERIFY(!hub_->requests("hub", "GET", "/revision/" + info.sha).isEmpty());
  }

  void treeIsRecursiveAndPaginated() {
    hub_->setKnobs({{"tree_page_size", 2}});
    HubClient client(settings());
    HubError err;
    const QList<RepoFile> files = client.repoTreeSync("coil-test/tiny-mamba", "main", &err);
    QVERIFY2(!err, qPrintable(err.message));
    QStringList names;
    for (const RepoFile& f : files) names << f.path;
    names.sort();
    QCOMPARE(names, (QStringList{"README.md", "config.json", "extra/notes/info.txt",
                                 "model.safetensors", "tokenizer.json"}));
    QVERIFY(hub_->requests("hub", "GET", "/tree/main").size() >= 3);  // followed the Link pages
    for (const RepoFile& f : files) {
      if (f.path == "model.safetensors") {
        QVERIFY(f.isLfs());
        QCOMPARE(f.size, qint64(300000));
        QCOMPARE(f.lfsSha256.size(), 64);
      } else {
        QVERIFY(!f.isLfs());
        QCOMPARE(f.blobId.size(), 40);
      }
    }
  }

  void apiErrors() {
    HubClient client(settings());
    HubError err;
    client.repoInfoSync("coil-test/does-not-exist", "main", &err);
    QCOMPARE(err.kind, HubErrorKind::RepoNotFound);
    QVERIFY(err.message.contains("coil-test/does-not-exist"));
    client.repoInfoSync("coil-test/tiny-mamba", "v9", &err);
    QCOMPARE(err.kind, HubErrorKind::RevisionNotFound);
    QVERIFY(err.message.contains("v9"));
    client.repoTreeSync("coil-test/tiny-mamba", "nope", &err);
    QCOMPARE(err.kind, HubErrorKind::RevisionNotFound);
  }

  void refusedConnectionIsANetworkErrorAfterRetries() {
    HubSettings s = settings();
    s.endpoint = QStringLiteral("http://127.0.0.1:1");  // nothing listens there
    s.maxRetries = 2;
    HubClient client(s);
    HubError err;
    client.repoInfoSync("coil-test/tiny-mamba", "main", &err);
    QCOMPARE(err.kind, HubErrorKind::Network);
    QVERIFY(err.message.contains("127.0.0.1"));
    QVERIFY2(err.message.contains("the connection was refused"), qPrintable(err.message));
    QVERIFY2(err.message.contains("'coil-test/tiny-mamba'"), qPrintable(err.message));
  }

  void unreachableSearchSaysSoInWords() {
    HubSettings s = settings();
    s.endpoint = QStringLiteral("http://127.0.0.1:1");
    s.maxRetries = 0;
    HubClient client(s);
    HubError err;
    client.searchSync(SearchQuery{}, &err);
    QCOMPARE(err.kind, HubErrorKind::Network);
    QVERIFY2(err.message.startsWith("Could not reach 127.0.0.1 for the model search: the "
                                    "connection was refused. Check the internet connection"),
             qPrintable(err.message));
  }

  void aHubThatNeverAnswersFailsAfterOneWait() {
    QTcpServer silent;  // takes every connection and never says a word
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    int connections = 0;
    connect(&silent, &QTcpServer::newConnection, this, [&] {
      while (silent.hasPendingConnections()) {
        silent.nextPendingConnection()->setParent(&silent);
        ++connections;
      }
    });
    HubSettings s = settings();
    s.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort());
    s.apiTimeoutMs = 300;
    s.maxRetries = 3;
    s.retryBaseDelayMs = 10;
    HubClient client(s);
    HubError err;
    client.searchSync(SearchQuery{}, &err);
    QCOMPARE(err.kind, HubErrorKind::Timeout);
    QVERIFY2(err.message.contains("timed out") && err.message.contains("the model search"),
             qPrintable(err.message));
    QCOMPARE(connections, 1);  // no retry: each would wait as long again
  }

  void apiServerErrorsAreRetried() {
    hub_->setKnobs(
        {{"fail_status", QJsonObject{{"api:coil-test/tiny-mamba", QJsonArray{503, 429}}}}});
    HubClient client(settings());
    HubError err;
    const RepoInfo info = client.repoInfoSync("coil-test/tiny-mamba", "main", &err);
    QVERIFY2(!err, qPrintable(err.message));
    QCOMPARE(info.sha.size(), 40);
    const QJsonArray calls = hub_->requests("hub", "GET", "/api/models/coil-test/tiny-mamba");
    QCOMPARE(calls.size(), 3);
    QCOMPARE(calls[0].toObject().value("status").toInt(), 503);
    QCOMPARE(calls[2].toObject().value("status").toInt(), 200);
  }

  void offlineNeverCallsTheNetwork() {
    HubSettings s = settings();
    s.offline = true;
    HubClient client(s);
    HubError err;
    client.searchSync(SearchQuery{}, &err);
    QCOMPARE(err.kind, HubErrorKind::Offline);
    QVERIFY(err.message.contains("HF_HUB_OFFLINE"));
    QCOMPARE(hub_->log().size(), 0);
  }
};

QTEST_GUILESS_MAIN(TstApi)
#include "tst_api.moc"
