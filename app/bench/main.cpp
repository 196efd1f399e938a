// coil-resume-bench: how fast a long chat answers again after the app restarts, resumed
// from its saved recurrent state vs re-prefilled from its text. `--help` lists the options;
// the README's Performance section shows a run.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTemporaryDir>
#include <cstdio>

#include "bench_args.hpp"
#include "bench_report.hpp"
#include "resume_bench.hpp"
#include "storage.hpp"

using namespace coil::app::bench;

namespace {

QList<qint64> parseSizes(const QString& text) {
  QList<qint64> out;
  for (QString part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    part = part.trimmed().toLower();
    qint64 scale = 1;
    if (part.endsWith(QLatin1Char('k'))) {
      scale = 1024;
      part.chop(1);
    }
    bool ok = false;
    const qint64 n = part.toLongLong(&ok) * scale;
    if (!ok || n <= 0) return {};
    out << n;
  }
  return out;
}

int fail(const QString& message) {
  return coil::app::bench::fail("coil-resume-bench", message);
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser p;
  const CommonArgs common(
      p, QStringLiteral("coil-resume-bench"),
      QStringLiteral(
          "Creates chats of about N tokens, answers and saves each as Coil does, then reopens "
          "it in a fresh worker and reports the time to first token: resumed from the saved "
          "state, and re-prefilled with the state deleted."));
  const QCommandLineOption sizes(QStringLiteral("sizes"),
                                 QStringLiteral("Chat sizes in tokens (default 1k,8k,32k)."),
                                 QStringLiteral("N,N,..."), QStringLiteral("1k,8k,32k"));
  const QCommandLineOption repeat(QStringLiteral("repeat"),
                                  QStringLiteral("Reopenings per way; the median is reported (3)."),
                                  QStringLiteral("N"), QStringLiteral("3"));
  const QCommandLineOption dataDir(
      QStringLiteral("data-dir"),
      QStringLiteral("Data folder to write the chats into (default: a temporary one, removed)."),
      QStringLiteral("DIR"));
  p.addOptions({sizes, repeat, dataDir});
  p.process(app);

  const QList<qint64> n = parseSizes(p.value(sizes));
  if (n.isEmpty()) return fail(QStringLiteral("--sizes wants positive numbers, e.g. 1k,8k,32k"));
  QTemporaryDir tmp;
  BenchOptions o = common.options(p, p.isSet(dataDir) ? p.value(dataDir) : tmp.path());
  o.repeat = p.value(repeat).toInt();
  if (o.repeat < 1) return fail(QStringLiteral("--repeat must be at least 1"));
  if (o.modelDir.isEmpty()) return fail(QStringLiteral("no model: pass --model DIR"));
  if (o.dataDir.isEmpty()) return fail(QStringLiteral("cannot create a temporary folder"));
  try {
    coil::storage::Storage storage(o.dataDir);
    const BenchRun run = runResumeBench(
        o, storage, n, [](const QString& line) { std::fprintf(stderr, "%s\n", qPrintable(line)); });
    if (p.isSet(common.json))
      std::fputs(formatJson(run).constData(), stdout);
    else
      std::fputs(qPrintable(formatTable(run)), stdout);
  } catch (const std::exception& e) {
    return fail(QString::fromUtf8(e.what()));
  }
  return 0;
}
