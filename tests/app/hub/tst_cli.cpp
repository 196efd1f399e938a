// `coil download` as a process: the snapshot folder is the last line of stdout, errors are
// one line on stderr with a non-zero exit, and a download killed with SIGKILL resumes.
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "fake_hub.hpp"
#include "hub_client.hpp"

using namespace coil::hub;
using coil::hub::test::FakeHub;
using coil::hub::test::kGoodToken;
using coil::hub::test::sha256OfFile;

namespace {

struct Run {
  int exitCode = -1;
  QStringList out;
  QStringList err;
};

qint64 incompleteBytes(const QString& dir) {
  qint64 n = 0;
  QDirIterator it(dir, {"*.incomplete"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) n += QFileInfo(it.next()).size();
  return n;
}

}  // namespace

class TstCli : public QObject {
  Q_OBJECT
  std::unique_ptr<FakeHub> hub_;
  std::unique_ptr<QTemporaryDir> home_;

  QString cacheDir() const { return home_->path() + "/hf/hub"; }

  QProcessEnvironment env(const QString& token = {}) const {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const QString& k : e.keys())
      if (k.startsWith("HF_") || k.startsWith("HUGGING")) e.remove(k);
    e.insert("HF_ENDPOINT", hub_->endpoint());
    e.insert("HF_HOME", home_->path() + "/hf");  // the cache is $HF_HOME/hub
    if (!token.isEmpty()) e.insert("HF_TOKEN", token);
    return e;
  }

  void startDriver(QProcess& p, const QStringList& args, const QString& token = {}) {
    p.setProcessEnvironment(env(token));
    p.start(QStringLiteral(COIL_HUB_DRIVER), args);
    QVERIFY2(p.waitForStarted(60000), qPrintable(p.errorString()));
  }

  Run run(const QStringList& args, const QString& token = {}) {
    QProcess p;
    startDriver(p, args, token);
    Run r;
    if (!p.waitForFinished(300000)) {
      p.kill();
      p.waitForFinished();
      return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    r.err = QString::fromLocal8Bit(p.readAllStandardError()).split('\n', Qt::SkipEmptyParts);
    return r;
  }

 private slots:
  void initTestCase() {
    hub_ = std::make_unique<FakeHub>();
    QVERIFY2(hub_->isRunning(), qPrintable(hub_->startError()));
  }
  void init() {
    hub_->reset();
    home_ = std::make_unique<QTemporaryDir>();
  }
  void cleanup() { hub_->release(); }
  void cleanupTestCase() { hub_.reset(); }

  void printsTheSnapshotLast() {
    const Run r = run({"coil-test/tiny-mamba"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.join('\n')));
    QVERIFY(!r.out.isEmpty());
    const QString snapshot = r.out.last();
    QVERIFY2(snapshot.startsWith(cacheDir() + "/models--coil-test--tiny-mamba/snapshots/"),
             qPrintable(snapshot));
    QVERIFY(QFileInfo(snapshot + "/model.safetensors").isSymLink());
    QVERIFY(r.out.join('\n').contains("downloading model.safetensors"));  // plain lines: not a TTY
    QVERIFY(!r.out.join('\n').contains('\r'));
    // Again: a no-op, from the cache.
    hub_->reset();
    const Run again = run({"coil-test/tiny-mamba"});
    QCOMPARE(again.exitCode, 0);
    QCOMPARE(again.out.last(), snapshot);
    QCOMPARE(hub_->log().size(), 0);
  }

  void includeAndRevision() {
    HubClient client(hub_->settings(cacheDir()));
    HubError err;
    const QString commit = client.repoInfoSync("coil-test/tiny-mamba", "main", &err).sha;
    QVERIFY(!err);
    const Run r = run({"coil-test/tiny-mamba", "--revision", commit, "--include", "*.json",
                       "--include=README.md"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.join('\n')));
    QCOMPARE(r.out.last(), cacheDir() + "/models--coil-test--tiny-mamba/snapshots/" + commit);
    QVERIFY(QFileInfo::exists(r.out.last() + "/config.json"));
    QVERIFY(QFileInfo::exists(r.out.last() + "/README.md"));
    QVERIFY(!QFileInfo::exists(r.out.last() + "/model.safetensors"));
  }

  void errorsAreOneLineOnStderr() {
    Run r = run({"coil-test/no-such-repo"});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err.size(), 1);
    QVERIFY(r.err[0].startsWith("coil download: "));
    QVERIFY(r.err[0].contains("not found"));
    QVERIFY(r.out.isEmpty() || !r.out.last().contains("snapshots"));

    r = run({"coil-test/gated-mamba"});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err.size(), 1);
    QVERIFY(r.err[0].contains("gated"));
    QVERIFY(r.err[0].contains("HF_TOKEN"));
    r = run({"coil-test/gated-mamba"}, QString::fromLatin1(kGoodToken));
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.join('\n')));

    r = run({"coil-test/huge-mamba"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err[0].contains("disk space"));

    r = run({});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err[0].contains("REPO_ID"));
    r = run({"coil-test/tiny-mamba", "--bogus"});
    QCOMPARE(r.exitCode, 2);
    r = run({"coil-test/tiny-mamba", "--revision"});
    QCOMPARE(r.exitCode, 2);
    r = run({"--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.join('\n').contains("--include"));
  }

  void resumesAfterSigkill() {
    hub_->setKnobs({{"hold_after", QJsonObject{{"model.safetensors", 65536}}}});
    {
      QProcess p;
      startDriver(p, {"coil-test/tiny-mamba"});
      QTRY_VERIFY_WITH_TIMEOUT(hub_->held() == 1, 120000);
      QTRY_VERIFY_WITH_TIMEOUT(incompleteBytes(cacheDir()) > 0, 120000);
      p.kill();  // SIGKILL: no cleanup at all
      QVERIFY(p.waitForFinished(60000));
      QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    }
    hub_->release();
    const qint64 kept = incompleteBytes(cacheDir());
    QVERIFY(kept > 0);

    const Run r = run({"coil-test/tiny-mamba"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err.join('\n')));
    const QJsonArray cdn = hub_->requests("cdn", "GET");
    QCOMPARE(cdn.last().toObject().value("range").toString(),
             QStringLiteral("bytes=%1-").arg(kept));
    QCOMPARE(cdn.last().toObject().value("status").toInt(), 206);
    HubClient client(hub_->settings(cacheDir()));
    HubError err;
    QString sha;
    for (const RepoFile& f : client.repoTreeSync("coil-test/tiny-mamba", "main", &err))
      if (f.path == "model.safetensors") sha = f.lfsSha256;
    QCOMPARE(sha256OfFile(r.out.last() + "/model.safetensors"), sha);
    QCOMPARE(incompleteBytes(cacheDir()), qint64(0));
  }
};

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"
