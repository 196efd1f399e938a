// The app benchmarks' shared options and the engine baseline.
#include "bench_args.hpp"

#include <QCoreApplication>
#include <QJsonDocument>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "coil/bench.hpp"
#include "coil/environment.hpp"
#include "coil/model.hpp"
#include "demo_model.hpp"

namespace coil::app::bench {

CommonArgs::CommonArgs(QCommandLineParser& p, const QString& program, const QString& description) {
  QCoreApplication::setApplicationName(program);
  p.setApplicationDescription(description);
  p.addHelpOption();
  p.addOptions({model, backend, threads, json});
}

BenchOptions CommonArgs::options(const QCommandLineParser& p, const QString& dataDir) const {
  BenchOptions o;
  o.engine = coil::model_options_from_environment();  // the COIL_* switches
  o.backend = p.value(backend);
  o.threads = p.value(threads).toInt();
  o.modelDir = p.isSet(model) ? p.value(model) : findDemoModel();
  o.dataDir = dataDir;
  return o;
}

int fail(const char* program, const QString& message) {
  std::fprintf(stderr, "%s: %s\n", program, qPrintable(message));
  return 1;
}

QJsonObject engineBaseline(const BenchOptions& o, int resumeTurn) {
  coil::ModelOptions mo = o.engine;
  mo.backend = o.backend.isEmpty() ? "auto" : o.backend.toStdString();
  mo.backend_options.device = o.device;
  mo.backend_options.threads = o.threads;
  const auto model = coil::Model::open(o.modelDir.toStdString(), mo, /*allow_fallback=*/true);
  coil::BenchOptions b;
  b.prompt_len = 512;
  b.gen_len = 16;
  b.measure_bandwidth = false;
  b.resume_turn = resumeTurn;
  const nlohmann::json j = coil::bench_report(*model, b, coil::run_bench(*model, b));
  return QJsonDocument::fromJson(QByteArray::fromStdString(j.dump())).object();
}

}  // namespace coil::app::bench
