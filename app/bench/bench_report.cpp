// Formatting the resume benchmark's results.
#include "bench_report.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace coil::app::bench {

namespace {

QJsonObject toJson(const Reopening& r) {
  QJsonArray runs;
  for (double ms : r.ttftMs) runs.append(ms);
  return {{"kind", r.kind},
          {"ttft_ms", r.medianMs()},
          {"ttft_ms_runs", runs},
          {"restore_ms", r.restoreMs},
          {"prompt_tokens", r.promptTokens},
          {"state_tokens", r.stateTokens},
          {"discarded", r.discarded}};
}

double speedup(const SizeResult& s) {
  const double resumed = s.resumed.medianMs();
  return resumed > 0 ? s.reprefilled.medianMs() / resumed : 0;
}

QString bytesText(qint64 b) {
  return b >= (1 << 20) ? QStringLiteral("%1 MiB").arg(double(b) / (1 << 20), 0, 'f', 1)
                        : QStringLiteral("%1 KiB").arg(double(b) / 1024, 0, 'f', 1);
}

}  // namespace

QString formatTable(const BenchRun& run) {
  QString out =
      QStringLiteral("model %1 on %2 (%3); time to first token, %4\n\n")
          .arg(run.model, run.backend, run.device)
          .arg(run.repeat == 1 ? QStringLiteral("one reopening")
                               : QStringLiteral("median of %1 reopenings").arg(run.repeat));
  out += QStringLiteral("%1  %2  %3  %4  %5  %6\n")
             .arg(QStringLiteral("chat tokens"), 11)
             .arg(QStringLiteral("state"), 10)
             .arg(QStringLiteral("resumed TTFT"), 26)
             .arg(QStringLiteral("re-prefilled TTFT"), 30)
             .arg(QStringLiteral("speedup"), 8)
             .arg(QStringLiteral("how"));
  for (const SizeResult& s : run.sizes) {
    const QString resumed = QStringLiteral("%1 ms (%2 tok prefilled)")
                                .arg(s.resumed.medianMs(), 0, 'f', 1)
                                .arg(s.resumed.promptTokens);
    const QString again = QStringLiteral("%1 ms (%2 tok prefilled)")
                              .arg(s.reprefilled.medianMs(), 0, 'f', 1)
                              .arg(s.reprefilled.promptTokens);
    out += QStringLiteral("%1  %2  %3  %4  %5  %6\n")
               .arg(s.chatTokens, 11)
               .arg(bytesText(s.stateBytes), 10)
               .arg(resumed, 26)
               .arg(again, 30)
               .arg(QStringLiteral("%1x").arg(speedup(s), 0, 'f', 1), 8)
               .arg(QStringLiteral("%1 (restore %2 ms) / %3")
                        .arg(s.resumed.kind)
                        .arg(s.resumed.restoreMs, 0, 'f', 2)
                        .arg(s.reprefilled.kind));
  }
  if (!run.engine.isEmpty())
    out += QStringLiteral(
               "\nthe engine alone (coil bench, same model): state save %1 ms, load %2 ms, time "
               "to first token after the restore %3 ms (%4-token turn)\n")
               .arg(run.engine.value("state_save_ms").toDouble(), 0, 'f', 2)
               .arg(run.engine.value("state_load_ms").toDouble(), 0, 'f', 2)
               .arg(run.engine.value("time_to_first_token_after_restore_ms").toDouble(), 0, 'f', 1)
               .arg(run.engine.value("resume_turn_tokens").toInteger());
  return out;
}

QByteArray formatJson(const BenchRun& run) {
  QJsonArray sizes;
  for (const SizeResult& s : run.sizes)
    sizes.append(QJsonObject{{"target_tokens", s.targetTokens},
                             {"chat_tokens", s.chatTokens},
                             {"messages", s.messages},
                             {"state_bytes", s.stateBytes},
                             {"state_save_ms", s.stateSaveMs},
                             {"resumed", toJson(s.resumed)},
                             {"reprefilled", toJson(s.reprefilled)},
                             {"speedup", speedup(s)}});
  const QJsonObject root{{"model", run.model},     {"backend", run.backend}, {"device", run.device},
                         {"threads", run.threads}, {"repeat", run.repeat},   {"sizes", sizes},
                         {"engine", run.engine}};
  return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

}  // namespace coil::app::bench
