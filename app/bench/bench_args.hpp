// What the app's benchmarks share: their common command-line options (--model, --backend,
// --threads, --json), the BenchOptions those give, and the engine's own measurement of the
// same model (coil::run_bench, reported under `coil bench --json`'s names) as a baseline.
#pragma once
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>

#include "resume_bench.hpp"

namespace coil::app::bench {

// The options every benchmark takes. The constructor names the program (QCoreApplication),
// describes it and adds --help and these options to `p`.
struct CommonArgs {
  CommonArgs(QCommandLineParser& p, const QString& program, const QString& description);

  QCommandLineOption model{QStringLiteral("model"),
                           QStringLiteral("Model folder (default: the bundled demo model)."),
                           QStringLiteral("DIR")};
  QCommandLineOption backend{QStringLiteral("backend"),
                             QStringLiteral("auto, cpu, vulkan or cuda (default auto)."),
                             QStringLiteral("B"), QStringLiteral("auto")};
  QCommandLineOption threads{QStringLiteral("threads"),
                             QStringLiteral("CPU threads (default: physical cores)."),
                             QStringLiteral("N"), QStringLiteral("0")};
  QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print one JSON object.")};

  // The options after p.process(): the model (--model or the demo), backend, threads and the
  // COIL_* environment; `dataDir` as given. Empty modelDir: no model was found.
  BenchOptions options(const QCommandLineParser& p, const QString& dataDir) const;
};

// Prints "<program>: <message>" on stderr; returns 1 (the exit status).
int fail(const char* program, const QString& message);

// coil::run_bench on the model of `o` (loaded apart from the workers, then released): a
// short prompt, `resumeTurn` tokens after the state restore, no bandwidth run. The object
// has the keys of `coil bench --json`. Throws std::exception.
QJsonObject engineBaseline(const BenchOptions& o, int resumeTurn);

}  // namespace coil::app::bench
