// Protocol pieces without a server: Link headers, ETags, globs, error mapping, the cache
// layout, search / tree parsing with compatibility, settings and the memory estimate.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "glob_match.hpp"
#include "http_util.hpp"
#include "hub_client.hpp"
#include "hub_error.hpp"
#include "hub_settings.hpp"
#include "json_document.hpp"
#include "repo_cache.hpp"
#include "repo_tree.hpp"
#include "resource_estimate.hpp"
#include "search_results.hpp"

using namespace coil::hub;

class TstParsing : public QObject {
  Q_OBJECT
 private slots:
  // config.json and the weight index are read whole only when small: a hostile 20 MB one is
  // not read at all (empty), a normal one is.
  void smallJsonFilesOnly() {
    QTemporaryDir dir;
    const QString path = dir.filePath("config.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"model_type": "falcon_mamba", "pad": ")");
    f.write(QByteArray(20 << 20, 'x'));
    f.write(R"("})");
    f.close();
    QVERIFY(coil::readJsonObjectFile(path, coil::kSmallJsonFileBytes).isEmpty());
    QCOMPARE(coil::readJsonObjectFile(path, 64 << 20).value("model_type").toString(),
             "falcon_mamba");
    QVERIFY(coil::readJsonObjectFile(dir.filePath("missing.json"), coil::kSmallJsonFileBytes)
                .isEmpty());
  }

  void linkHeader() {
    QCOMPARE(
        nextLinkUrl(R"(<https://huggingface.co/api/models?limit=2&cursor=abc%3D>; rel="next")"),
        QUrl::fromEncoded("https://huggingface.co/api/models?limit=2&cursor=abc%3D"));
    QCOMPARE(nextLinkUrl(R"(<https://h/a?p=1>; rel="prev", <https://h/a?p=3>; rel="next")"),
             QUrl("https://h/a?p=3"));
    QCOMPARE(
        nextLinkUrl(R"(</api/models?cursor=x>; rel=next)", QUrl("http://127.0.0.1:9/api/models")),
        QUrl("http://127.0.0.1:9/api/models?cursor=x"));
    QVERIFY(nextLinkUrl(R"(<https://h/a?p=1>; rel="prev")").isEmpty());
    QVERIFY(nextLinkUrl("").isEmpty());
  }

  void etagsAndOrigins() {
    QCOMPARE(normalizeEtag("\"abc123\""), QStringLiteral("abc123"));
    QCOMPARE(normalizeEtag("W/\"abc123\""), QStringLiteral("abc123"));
    QCOMPARE(normalizeEtag("abc"), QStringLiteral("abc"));
    QVERIFY(sameOrigin(QUrl("https://huggingface.co/a"), QUrl("https://huggingface.co:443/b")));
    QVERIFY(!sameOrigin(QUrl("https://huggingface.co/a"), QUrl("https://cdn-lfs.hf.co/b")));
    QVERIFY(!sameOrigin(QUrl("http://127.0.0.1:1000/a"), QUrl("http://127.0.0.1:1001/a")));
    QVERIFY(isCommitHash(QStringLiteral("0123456789abcdef0123456789abcdef01234567")));
    QVERIFY(!isCommitHash(QStringLiteral("main")));
  }

  void urls() {
    HubSettings s;
    s.endpoint = QStringLiteral("http://127.0.0.1:8000");
    HubClient client(s);
    QCOMPARE(
        client.resolveUrl("org/name", "refs/pr/1", "sub dir/model.safetensors").toEncoded(),
        QByteArray(
            "http://127.0.0.1:8000/org/name/resolve/refs%2Fpr%2F1/sub%20dir/model.safetensors"));
    SearchQuery q;
    q.text = QStringLiteral("mamba");
    q.sort = SearchSort::Likes;
    q.filters = QStringList{"falcon_mamba", "safetensors"};
    q.limit = 5;
    const QUrlQuery query(HubClient::searchUrl(s.endpoint, q));
    QCOMPARE(query.queryItemValue("search"), QStringLiteral("mamba"));
    QCOMPARE(query.queryItemValue("sort"), QStringLiteral("likes"));
    QCOMPARE(query.queryItemValue("direction"), QStringLiteral("-1"));
    QCOMPARE(query.queryItemValue("limit"), QStringLiteral("5"));
    QCOMPARE(query.queryItemValue("full"), QStringLiteral("true"));
    QCOMPARE(query.queryItemValue("config"), QStringLiteral("true"));
    QCOMPARE(query.allQueryItemValues("filter"), (QStringList{"falcon_mamba", "safetensors"}));
    q.sort = SearchSort::LastModified;
    QCOMPARE(QUrlQuery(HubClient::searchUrl(s.endpoint, q)).queryItemValue("sort"),
             QStringLiteral("lastModified"));
  }

  void globs() {
    QVERIFY(globMatch("*.json", "config.json"));
    QVERIFY(globMatch("*.json", "sub/dir/x.json"));  // fnmatch: '*' crosses '/'
    QVERIFY(!globMatch("*.json", "model.safetensors"));
    QVERIFY(globMatch("model-0000?-of-*.safetensors", "model-00001-of-00003.safetensors"));
    QVERIFY(globMatch("extra/", "extra/notes/info.txt"));
    QVERIFY(globMatch("[!m]*", "config.json"));
    QVERIFY(!globMatch("[!m]*", "model.safetensors"));
    QVERIFY(globMatch("tokenizer.[jm]*", "tokenizer.model"));
    QVERIFY(!globMatch("config.json", "xconfig.json"));
    QVERIFY(globMatch("a+b(1).txt", "a+b(1).txt"));  // regex characters are literal
    QVERIFY(matchesAny({}, "anything"));
    QVERIFY(matchesAny({"*.md", "*.json"}, "config.json"));
  }

  void errors() {
    const RequestTarget t{"https://huggingface.co", "org/name", "main", "model.safetensors", false};
    HubError e = errorFromHttp(401, "GatedRepo", "Access restricted", t);
    QCOMPARE(e.kind, HubErrorKind::GatedRepo);
    QVERIFY(e.message.contains("gated"));
    QVERIFY(e.message.contains("HF_TOKEN"));
    QVERIFY(e.message.contains("terms"));
    RequestTarget withToken = t;
    withToken.hadToken = true;
    e = errorFromHttp(403, "GatedRepo", "", withToken);
    QCOMPARE(e.kind, HubErrorKind::GatedRepo);
    QVERIFY(e.message.contains("accept"));
    e = errorFromHttp(401, "RepoNotFound", "Repository not found", t);
    QCOMPARE(e.kind, HubErrorKind::RepoNotFound);
    QVERIFY(e.message.contains("org/name"));
    QVERIFY(e.message.contains("not found"));
    e = errorFromHttp(404, "EntryNotFound", "", t);
    QCOMPARE(e.kind, HubErrorKind::EntryNotFound);
    QVERIFY(e.message.contains("model.safetensors"));
    e = errorFromHttp(404, "RevisionNotFound", "", RequestTarget{"h", "org/name", "v9", {}, false});
    QCOMPARE(e.kind, HubErrorKind::RevisionNotFound);
    QVERIFY(e.message.contains("v9"));
    QVERIFY(errorFromHttp(503, "", "", t).isRetryable());
    QVERIFY(errorFromHttp(502, "", "", t).isRetryable());
    QVERIFY(errorFromHttp(429, "", "", t).isRetryable());
    QVERIFY(errorFromHttp(408, "", "", t).isRetryable());
    QVERIFY(!errorFromHttp(404, "", "", t).isRetryable());
    QVERIFY(!errorFromHttp(403, "", "", t).isRetryable());
    QVERIFY(!errorFromHttp(200, "", "", t));
  }

  void backoff() {
    HubSettings s;
    s.retryBaseDelayMs = 100;
    s.retryMaxDelayMs = 1000;
    QCOMPARE(backoffDelayMs(0, s), 100);
    QCOMPARE(backoffDelayMs(1, s), 200);
    QCOMPARE(backoffDelayMs(3, s), 800);
    QCOMPARE(backoffDelayMs(10, s), 1000);
    QCOMPARE(backoffDelayMs(0, s, "0"), 0);
    QCOMPARE(backoffDelayMs(0, s, "120"), 1000);
  }

  void cacheLayout() {
    QCOMPARE(RepoCache::folderName("tiiuae/falcon-mamba-7b"),
             QStringLiteral("models--tiiuae--falcon-mamba-7b"));
    QCOMPARE(RepoCache::relativeBlobTarget("config.json", "e1"), QStringLiteral("../../blobs/e1"));
    QCOMPARE(RepoCache::relativeBlobTarget("a/b/c.txt", "e1"),
             QStringLiteral("../../../../blobs/e1"));
    QTemporaryDir dir;
    RepoCache cache(dir.path(), "org/name");
    QCOMPARE(cache.repoDir(), dir.path() + "/models--org--name");
    QCOMPARE(cache.incompletePath("abc"), dir.path() + "/models--org--name/blobs/abc.incomplete");
    const QString commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    QCOMPARE(cache.resolveRevision(commit).value(), commit);
    QVERIFY(!cache.resolveRevision("main").has_value());
    QVERIFY(cache.writeRef("main", commit, nullptr));
    QCOMPARE(cache.resolveRevision("main").value(), commit);
    QVERIFY(cache.writeRef("refs/pr/1", commit, nullptr));
    QCOMPARE(cache.resolveRevision("refs/pr/1").value(), commit);

    // A snapshot made of links to blobs, as huggingface_hub leaves it.
    QDir().mkpath(cache.blobsDir());
    const auto blob = [&](const QString& etag, const QByteArray& data) {
      QFile f(cache.blobPath(etag));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(data);
    };
    blob("c0", "{}");
    blob("w1", "weights");
    QVERIFY(cache.linkSnapshotFile(commit, "config.json", "c0", nullptr));
    QVERIFY(!cache.looksComplete(commit, {}));  // no weights yet
    QVERIFY(cache.looksComplete(commit, {"*.json"}));
    QVERIFY(!cache.looksComplete(commit, {"*.json", "*.safetensors"}));
    QVERIFY(cache.linkSnapshotFile(commit, "model.safetensors", "w1", nullptr));
    QVERIFY(cache.looksComplete(commit, {}));
    QCOMPARE(QFileInfo(cache.snapshotFile(commit, "model.safetensors")).symLinkTarget(),
             QFileInfo(cache.blobPath("w1")).canonicalFilePath());
    QCOMPARE(cache.snapshotBytes(commit, ".safetensors"), qint64(7));
    QVERIFY(cache.hasSnapshotFile(commit, "model.safetensors", 7));
    QVERIFY(!cache.hasSnapshotFile(commit, "model.safetensors", 8));
    // Sharded: every shard of the index must be there.
    blob("i0", R"({"weight_map": {"a": "model-1.safetensors", "b": "model-2.safetensors"}})");
    QVERIFY(cache.linkSnapshotFile(commit, "model.safetensors.index.json", "i0", nullptr));
    QVERIFY(cache.linkSnapshotFile(commit, "model-1.safetensors", "w1", nullptr));
    QVERIFY(!cache.looksComplete(commit, {}));
    QVERIFY(cache.linkSnapshotFile(commit, "model-2.safetensors", "w1", nullptr));
    QVERIFY(cache.looksComplete(commit, {}));
    // A dangling link is not a file.
    QVERIFY(cache.linkSnapshotFile(commit, "gone.bin", "missing", nullptr));
    QVERIFY(!cache.hasSnapshotFile(commit, "gone.bin"));
    QVERIFY(!cache.snapshotFiles(commit).contains("gone.bin"));
  }

  void searchParsing() {
    const QByteArray json = R"([
      {"id": "tiiuae/falcon-mamba-7b", "downloads": 10, "likes": 2, "tags": ["safetensors"],
       "lastModified": "2024-08-01T10:00:00.000Z", "gated": false,
       "config": {"model_type": "falcon_mamba", "architectures": ["FalconMambaForCausalLM"]},
       "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}]},
      {"id": "meta-llama/Llama-2-7b-hf", "gated": "manual", "config": {"model_type": "llama"},
       "siblings": [{"rfilename": "model.safetensors"}]},
      {"id": "state-spaces/mamba-130m", "config": {"model_type": "mamba"},
       "siblings": [{"rfilename": "pytorch_model.bin"}]},
      {"id": "x/y-GGUF", "tags": ["gguf"], "siblings": [{"rfilename": "y.Q4_K_M.gguf"}]},
      {"id": "no/full", "tags": ["safetensors", "mamba"], "config": {"model_type": "mamba"}},
      7
    ])";
    const QList<ModelSummary> m = parseSearchResults(QJsonDocument::fromJson(json).array());
    QCOMPARE(m.size(), 5);
    QCOMPARE(m[0].id, QStringLiteral("tiiuae/falcon-mamba-7b"));
    QVERIFY(m[0].compatible);
    QCOMPARE(m[0].downloads, qint64(10));
    QCOMPARE(m[0].lastModified, QDateTime(QDate(2024, 8, 1), QTime(10, 0), Qt::UTC));
    QCOMPARE(m[0].architectures, QStringList{"FalconMambaForCausalLM"});
    QVERIFY(!m[0].isGated());
    QVERIFY(!m[1].compatible);
    QVERIFY(m[1].isGated());
    QVERIFY(m[1].incompatibleReason.contains("llama"));
    QVERIFY(!m[2].compatible);
    QVERIFY(m[2].incompatibleReason.contains("safetensors"));
    QVERIFY(!m[3].compatible);
    QVERIFY(m[3].incompatibleReason.contains("GGUF"));
    QVERIFY(m[4].compatible);  // without siblings, the safetensors tag decides
  }

  void treeParsing() {
    const QByteArray json = R"([
      {"type": "file", "oid": "aaaa", "size": 10, "path": "config.json"},
      {"type": "directory", "oid": "dddd", "size": 0, "path": "sub"},
      {"type": "file", "oid": "bbbb", "size": 135, "path": "sub/model.safetensors",
       "lfs": {"oid": "6edf90530215a4eb6e9e91e32d961c38e962bb2e4226dd4d1370b0e20822fdb0", "size": 300000, "pointerSize": 135}}
    ])";
    QList<RepoFile> files;
    QString error;
    QVERIFY(parseTree(QJsonDocument::fromJson(json).array(), files, &error));
    QCOMPARE(files.size(), 2);
    QCOMPARE(files[0].path, QStringLiteral("config.json"));
    QVERIFY(!files[0].isLfs());
    QCOMPARE(files[1].size, qint64(300000));
    QVERIFY(files[1].isLfs());
    QCOMPARE(files[1].lfsSha256.size(), 64);
    files.clear();
    QVERIFY(!parseTree(
        QJsonDocument::fromJson(R"([{"type": "file", "size": 1, "path": "../evil"}])").array(),
        files, &error));
    QVERIFY(!parseTree(QJsonDocument::fromJson(
                           R"([{"type": "file", "size": 1, "path": "a", "lfs": {"oid": "zz"}}])")
                           .array(),
                       files, &error));
  }

  void settingsFromEnvironment() {
    QTemporaryDir home;
    const QByteArray keys[] = {"HF_ENDPOINT",           "HF_TOKEN",       "HUGGING_FACE_HUB_TOKEN",
                               "HF_TOKEN_PATH",         "HF_HOME",        "HF_HUB_CACHE",
                               "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "XDG_CACHE_HOME"};
    QMap<QByteArray, QByteArray> saved;
    for (const QByteArray& k : keys) {
      if (qEnvironmentVariableIsSet(k.constData())) saved[k] = qgetenv(k.constData());
      qunsetenv(k.constData());
    }
    qputenv("HF_HOME", home.path().toUtf8());
    HubSettings s = HubSettings::fromEnvironment();
    QCOMPARE(s.endpoint, QStringLiteral("https://huggingface.co"));
    QCOMPARE(s.cacheDir, home.path() + "/hub");
    QVERIFY(s.token.isEmpty());
    QVERIFY(!s.offline);
    {
      QFile f(home.path() + "/token");
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("hf_from_file\n");
    }
    QCOMPARE(HubSettings::fromEnvironment().token, QStringLiteral("hf_from_file"));
    qputenv("HF_TOKEN", "hf_from_env");
    QCOMPARE(HubSettings::fromEnvironment().token, QStringLiteral("hf_from_env"));
    QCOMPARE(HubSettings::fromEnvironment("hf_saved").token, QStringLiteral("hf_saved"));
    qputenv("HF_HUB_CACHE", (home.path() + "/elsewhere").toUtf8());
    qputenv("HF_ENDPOINT", "https://hf-mirror.com/");
    qputenv("HF_HUB_OFFLINE", "1");
    s = HubSettings::fromEnvironment();
    QCOMPARE(s.cacheDir, home.path() + "/elsewhere");
    QCOMPARE(s.endpoint, QStringLiteral("https://hf-mirror.com"));
    QVERIFY(s.offline);
    for (const QByteArray& k : keys) qunsetenv(k.constData());
    for (auto it = saved.begin(); it != saved.end(); ++it)
      qputenv(it.key().constData(), it.value());
  }

  void memoryEstimate() {
    // tiiuae/falcon-mamba-7b: 64 layers, hidden 4096, intermediate 8192, state 16, conv 4.
    const QJsonObject config{{"model_type", "falcon_mamba"},
                             {"num_hidden_layers", 64},
                             {"hidden_size", 4096},
                             {"intermediate_size", 8192},
                             {"expand", 16},
                             {"state_size", 16},
                             {"conv_kernel", 4},
                             {"time_step_rank", 256},
                             {"vocab_size", 65024},
                             {"tie_word_embeddings", false},
                             {"torch_dtype", "bfloat16"}};
    const MemoryEstimate e = estimateMemory(config, 0, 0, qint64(64) << 30);
    QVERIFY(e.valid);
    QCOMPARE(e.stateBytes, qint64(64) * (3 * 8192 + 8192 * 16) * 4);  // ~38 MiB
    QVERIFY2(e.parameterCount > 7'200'000'000 && e.parameterCount < 7'350'000'000,
             qPrintable(QString::number(e.parameterCount)));
    QCOMPARE(e.dtypeBytes, 2);
    QCOMPARE(e.weightBytes, e.parameterCount * 2);
    QCOMPARE(e.totalBytes, e.weightBytes + e.stateBytes);
    QVERIFY(e.fitsInRam);
    QVERIFY(!estimateMemory(config, 0, 4, qint64(16) << 30).fitsInRam);  // fp32 29 GB > 16 GiB
    // "auto" rank and no dims at all: from the weight bytes.
    const MemoryEstimate bytesOnly =
        estimateMemory(QJsonObject{{"torch_dtype", "float16"}}, 2000, 0, 1 << 30);
    QCOMPARE(bytesOnly.parameterCount, qint64(1000));
    QCOMPARE(bytesOnly.stateBytes, qint64(0));
    QVERIFY(systemRamBytes() > 0);
    QCOMPARE(formatBytes(1500), QStringLiteral("1.5 kB"));
    QCOMPARE(formatBytes(12), QStringLiteral("12 B"));
  }

  void hostileConfigsGiveNoEstimate() {
    // Dimensions from a hostile config.json: beyond the engine's limits (1e300 once overflowed
    // a float-to-integer cast, expand x hidden a signed product) there is no estimate.
    // The estimate is the engine's reading of config.json (ModelConfig::parse_text).
    const QJsonObject base{{"model_type", "mamba"}, {"num_hidden_layers", 2},
                           {"hidden_size", 64},     {"intermediate_size", 128},
                           {"state_size", 16},      {"conv_kernel", 4},
                           {"vocab_size", 1000}};
    QVERIFY(estimateMemory(base, 0, 4, 1 << 30).valid);
    for (const char* key : {"num_hidden_layers", "hidden_size", "intermediate_size", "state_size",
                            "conv_kernel", "vocab_size", "time_step_rank", "expand"}) {
      for (double v : {1e300, -1e300, 1e18, 0.5, -3.0}) {
        QJsonObject c = base;
        c[QLatin1String(key)] = v;
        if (QLatin1String(key) == QLatin1String("expand"))
          c.remove(QStringLiteral("intermediate_size"));
        const MemoryEstimate e = estimateMemory(c, 0, 4, 1 << 30);
        QVERIFY2(!e.valid, qPrintable(QStringLiteral("%1 = %2").arg(QLatin1String(key)).arg(v)));
        QCOMPARE(e.totalBytes, qint64(0));
      }
    }
  }

  void hostileJsonIsRefusedByDepth() {
    // Every JSON the app did not write goes through coil::parseJsonDocument: nesting is checked
    // against the engine's limit before Qt's parser runs.
    const QByteArray deep = QByteArray(100000, '[') + QByteArray(100000, ']');
    QString error;
    QVERIFY(!coil::parseJsonDocument(deep, QStringLiteral("the Hub's search answer"), &error));
    QVERIFY2(error.contains(QStringLiteral("the Hub's search answer: JSON nested deeper than 64")),
             qPrintable(error));
    QVERIFY(!coil::parseJsonDocument("[1, 2", QStringLiteral("x"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("x: invalid JSON")), qPrintable(error));
    const auto ok =
        coil::parseJsonDocument(R"([{"id": "a/b", "tags": [[["x"]]]}])", QStringLiteral("x"));
    QVERIFY(ok && ok->isArray());
    QCOMPARE(parseSearchResults(ok->array()).size(), 1);
  }

  void diskCheck() {
    QTemporaryDir dir;
    QVERIFY(checkFreeSpace(dir.path() + "/not/yet/there", 1).ok);
    const DiskCheck huge = checkFreeSpace(dir.path(), qint64(1) << 60);
    QVERIFY(!huge.ok);
    QVERIFY(huge.message.contains("disk space"));
  }
};

QTEST_GUILESS_MAIN(TstParsing)
#include "tst_parsing.moc"
