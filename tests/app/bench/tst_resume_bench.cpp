// coil-resume-bench on a 256-token chat of the demo model: the JSON has every field, the
// resumed reopening restored the saved state and prefilled only the new question, the
// re-prefilled one prefilled the whole chat, the engine's own run_bench on the same model is
// reported beside them, and the table is printed without --json.
// Timings are only checked to be present, never compared.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cstdlib>

namespace {

constexpr int kWaitMs = 280000;  // a hang guard, not a timing assertion

struct Run {
  int exitCode = -1;
  QByteArray out, err;
};

Run bench(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(COIL_RESUME_BENCH), args);
  Run r;
  if (!p.waitForFinished(kWaitMs)) {
    p.kill();
    p.waitForFinished();
  }
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

}  // namespace

class TestResumeBench : public QObject {
  Q_OBJECT

 private slots:
  void jsonReportsARestoredAndARePrefilledReopening() {
    QTemporaryDir data;
    const Run r =
        bench({"--model", COIL_DEMO_MODEL_DIR, "--sizes", "256", "--repeat", "2", "--backend",
               "cpu", "--threads", "2", "--json", "--data-dir", data.path()});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonParseError error;
    const QJsonObject root = QJsonDocument::fromJson(r.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(root.value("backend").toString(), QStringLiteral("cpu"));
    QVERIFY(!root.value("model").toString().isEmpty());
    QVERIFY(!root.value("device").toString().isEmpty());
    QCOMPARE(root.value("repeat").toInt(), 2);
    const QJsonArray sizes = root.value("sizes").toArray();
    QCOMPARE(sizes.size(), 1);
    const QJsonObject s = sizes[0].toObject();
    QCOMPARE(s.value("target_tokens").toInt(), 256);
    const int chatTokens = s.value("chat_tokens").toInt();
    // the fewest question/answer pairs reaching 256 tokens, then the model's answer
    QVERIFY2(chatTokens >= 256 && chatTokens < 256 + 80, qPrintable(QString::number(chatTokens)));
    QVERIFY(s.value("messages").toInt() > 10);
    QVERIFY(s.value("state_bytes").toInteger() > 0);
    QVERIFY(s.value("state_save_ms").toDouble() > 0);

    const QJsonObject resumed = s.value("resumed").toObject();
    const QJsonObject again = s.value("reprefilled").toObject();
    // The saved state was restored, not re-read: it covered the whole saved chat, and only
    // the follow-up question was prefilled.
    QCOMPARE(resumed.value("kind").toString(), QStringLiteral("restored"));
    QVERIFY(std::abs(resumed.value("state_tokens").toInt() - chatTokens) <= 8);
    QVERIFY(resumed.value("restore_ms").toDouble() > 0);
    QVERIFY(resumed.value("discarded").toString().isEmpty());
    const int resumedPrompt = resumed.value("prompt_tokens").toInt();
    QVERIFY2(resumedPrompt > 0 && resumedPrompt < 40, qPrintable(QString::number(resumedPrompt)));
    // With the state deleted, everything was prefilled.
    QCOMPARE(again.value("kind").toString(), QStringLiteral("fresh"));
    QVERIFY(again.value("prompt_tokens").toInt() >= chatTokens + resumedPrompt - 2);
    QCOMPARE(again.value("state_tokens").toInt(), 0);
    for (const QJsonObject& way : {resumed, again}) {
      const QJsonArray runs = way.value("ttft_ms_runs").toArray();
      QCOMPARE(runs.size(), 2);
      for (const auto& v : runs) QVERIFY(v.toDouble() > 0);
      QVERIFY(way.value("ttft_ms").toDouble() > 0);
    }
    QVERIFY(s.value("speedup").toDouble() > 0);

    // The engine alone on the same model, through coil::run_bench and `coil bench --json`'s
    // keys, its resume turn as long as the app's resumed prompt.
    const QJsonObject engine = root.value("engine").toObject();
    QCOMPARE(engine.value("backend").toString(), QStringLiteral("cpu"));
    QCOMPARE(engine.value("resume_turn_tokens").toInt(), resumedPrompt);
    QVERIFY(engine.value("state_bytes").toInteger() > 0);
    for (const char* key :
         {"state_save_ms", "state_load_ms", "time_to_first_token_after_restore_ms",
          "prefill_tokens_per_s", "decode_tokens_per_s"})
      QVERIFY2(engine.value(key).toDouble() > 0, key);
  }

  void tablePrintsOneRowPerSize() {
    const Run r = bench({"--model", COIL_DEMO_MODEL_DIR, "--sizes", "64,128", "--repeat", "1",
                         "--backend", "cpu", "--threads", "2"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 7);  // title, blank, header, two rows, blank, the engine's line
    QVERIFY(lines[2].contains("resumed TTFT"));
    QVERIFY2(lines[6].startsWith("the engine alone (coil bench"), lines[6].constData());
    for (int i = 3; i < 5; ++i) {
      QVERIFY2(lines[i].contains("restored (restore"), lines[i].constData());
      QVERIFY2(lines[i].contains("/ fresh"), lines[i].constData());
    }
  }

  void refusesBadSizes() {
    const Run r = bench({"--sizes", "abc"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("--sizes"));
  }
};

QTEST_GUILESS_MAIN(TestResumeBench)
#include "tst_resume_bench.moc"
