#include "download_command.hpp"

#include <unistd.h>

#include <QCoreApplication>
#include <QDir>
#include <cstdio>
#include <cstring>
#include <memory>

#include "hub_client.hpp"
#include "progress_printer.hpp"
#include "sync_download.hpp"

namespace coil::hub {

namespace {

constexpr const char* kUsage =
    "usage: coil download REPO_ID [--revision R] [--include GLOB]...\n"
    "  Downloads a Hugging Face model repo into the standard cache ($HF_HUB_CACHE,\n"
    "  $HF_HOME/hub or ~/.cache/huggingface/hub) and prints the snapshot folder last.\n"
    "  --revision R    branch, tag or commit (default: main)\n"
    "  --include GLOB  only files matching GLOB (repeatable), e.g. '*.json' '*.safetensors'\n"
    "  Environment: HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE.\n";

void printError(const QString& message) {
  QString line = message;
  line.replace(QLatin1Char('\n'), QLatin1Char(' '));
  std::fprintf(stderr, "coil download: %s\n", line.toLocal8Bit().constData());
  std::fflush(stderr);
}

struct Args {
  DownloadRequest request;
  bool help = false;
  QString error;
};

Args parseArgs(int argc, char** argv) {
  Args a;
  a.request.revision.clear();
  for (int i = 0; i < argc; ++i) {
    const QString arg = QString::fromLocal8Bit(argv[i]);
    const auto value = [&](const QString& name, QString& out) {
      if (arg.startsWith(name + QLatin1Char('='))) {
        out = arg.mid(name.size() + 1);
        return true;
      }
      if (arg != name) return false;
      if (i + 1 >= argc) {
        a.error = QStringLiteral("%1 needs a value").arg(name);
        return true;
      }
      out = QString::fromLocal8Bit(argv[++i]);
      return true;
    };
    QString v;
    if (arg == QLatin1String("-h") || arg == QLatin1String("--help")) {
      a.help = true;
    } else if (value(QStringLiteral("--revision"), v)) {
      if (!a.request.revision.isEmpty() && a.error.isEmpty())
        a.error = QStringLiteral("--revision given twice");
      a.request.revision = v;
    } else if (value(QStringLiteral("--include"), v)) {
      if (v.isEmpty() && a.error.isEmpty()) a.error = QStringLiteral("--include needs a pattern");
      a.request.include << v;
    } else if (arg.startsWith(QLatin1Char('-'))) {
      if (a.error.isEmpty()) a.error = QStringLiteral("unknown option %1").arg(arg);
    } else if (a.request.repoId.isEmpty()) {
      a.request.repoId = arg;
    } else if (a.error.isEmpty()) {
      a.error = QStringLiteral("unexpected argument %1 (one REPO_ID only)").arg(arg);
    }
    if (!a.error.isEmpty()) break;
  }
  if (a.request.revision.isEmpty()) a.request.revision = QStringLiteral("main");
  if (a.error.isEmpty() && !a.help) {
    const QString& id = a.request.repoId;
    if (id.isEmpty())
      a.error = QStringLiteral("missing REPO_ID (e.g. tiiuae/falcon-mamba-7b-instruct)");
    else if (id.count(QLatin1Char('/')) > 1 || id.startsWith(QLatin1Char('/')) ||
             id.endsWith(QLatin1Char('/')) || id.contains(QLatin1String("..")) ||
             id.contains(QLatin1Char(' ')))
      a.error = QStringLiteral("'%1' is not a repo id (expected org/name)").arg(id);
  }
  return a;
}

QString describe(const MemoryEstimate& e) {
  QString line =
      QStringLiteral("memory: about %1 needed (weights %2 + state %3)")
          .arg(formatBytes(e.totalBytes), formatBytes(e.weightBytes), formatBytes(e.stateBytes));
  if (e.ramBytes > 0)
    line += QStringLiteral("; this machine has %1 of RAM").arg(formatBytes(e.ramBytes));
  if (!e.fitsInRam) line += QStringLiteral(" - the model may not fit");
  return line;
}

}  // namespace

int download_command_main(int argc, char** argv) {
  const Args args = parseArgs(argc, argv);
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.error.isEmpty()) {
    printError(args.error);
    std::fputs(kUsage, stderr);
    return 2;
  }

  static int appArgc = 1;
  static char appName[] = "coil";
  static char* appArgv[] = {appName, nullptr};
  std::unique_ptr<QCoreApplication> app;
  if (!QCoreApplication::instance()) app = std::make_unique<QCoreApplication>(appArgc, appArgv);

  HubClient client(HubSettings::fromEnvironment());
  ProgressPrinter printer(stdout, ::isatty(STDOUT_FILENO) == 1);
  const SyncDownloadResult result =
      downloadSnapshotSync(&client, args.request, [&](SnapshotDownloader* d) {
        QObject::connect(
            d, &SnapshotDownloader::fileStarted,
            [&](const QString& path, qint64 size) { printer.fileStarted(path, size); });
        QObject::connect(d, &SnapshotDownloader::progress,
                         [&, d](qint64 done, qint64 total, double speed) {
                           if (!d->servedFromCache()) printer.progress(done, total, speed);
                         });
        QObject::connect(d, &SnapshotDownloader::checking,
                         [&](qint64 done, qint64 total) { printer.checking(done, total); });
        QObject::connect(d, &SnapshotDownloader::memoryEstimated,
                         [&](const MemoryEstimate& e) { printer.message(describe(e)); });
      });
  printer.finish();
  if (result.error) {
    printError(result.error.message);
    return 1;
  }
  if (result.fromCache) printer.message(QStringLiteral("already in the cache"));
  std::printf("%s\n", QDir::toNativeSeparators(result.snapshotDir).toLocal8Bit().constData());
  std::fflush(stdout);
  return 0;
}

}  // namespace coil::hub
