#include "resource_estimate.hpp"

#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>
#include <algorithm>
#include <cmath>

#include "coil/limits.hpp"

namespace coil::hub {

namespace {

// The first of `keys` holding an integer in [1, max] (the engine's limits on model
// dimensions), `fallback` when none is present, -1 when one is present but out of range (the
// engine would refuse the model). Floats that are not whole numbers do not count as present.
qint64 intKey(const QJsonObject& c, std::initializer_list<const char*> keys, qint64 max,
              qint64 fallback = 0) {
  for (const char* k : keys) {
    const QJsonValue v = c.value(QLatin1String(k));
    if (!v.isDouble()) continue;
    const double d = v.toDouble();
    if (!(d >= 1 && d <= double(max)) || d != std::floor(d)) return -1;
    return qint64(d);
  }
  return fallback;
}

}  // namespace

MambaDims dimsFromConfig(const QJsonObject& c) {
  using namespace coil::limits;
  MambaDims d;
  d.layers = intKey(c, {"num_hidden_layers", "n_layer", "n_layers"}, kLayers);
  d.hidden = intKey(c, {"hidden_size", "d_model"}, kHidden);
  const qint64 expand = intKey(c, {"expand"}, kInner, 2);
  // Within the limits every product below fits in 64 bits.
  d.intermediate = intKey(c, {"intermediate_size", "d_inner"}, kInner, expand * d.hidden);
  d.stateSize = intKey(c, {"state_size", "d_state"}, kStateSize, 16);
  d.convKernel = intKey(c, {"conv_kernel", "d_conv"}, kConvKernel, 4);
  d.vocab = intKey(c, {"vocab_size"}, kVocab);
  d.timeStepRank = intKey(c, {"time_step_rank"}, kTimeStepRank, (d.hidden + 15) / 16);  // "auto"
  d.tiedEmbeddings = c.value(QLatin1String("tie_word_embeddings")).toBool(true);
  d.valid = d.layers > 0 && d.hidden > 0 && d.intermediate > 0 && d.intermediate <= kInner &&
            d.stateSize > 0 && d.convKernel > 0 && d.vocab > 0 && d.timeStepRank > 0;
  return d;
}

qint64 parameterCount(const MambaDims& d) {
  if (!d.valid) return 0;
  const qint64 H = d.hidden, D = d.intermediate, N = d.stateSize, K = d.convKernel,
               R = d.timeStepRank, V = d.vocab;
  const qint64 block = H                  // norm
                       + 2 * D * H        // in_proj
                       + D * K + D        // conv1d weight + bias
                       + (R + 2 * N) * D  // x_proj
                       + D * R + D        // dt_proj weight + bias
                       + D * N + D        // A_log, D
                       + H * D;           // out_proj
  return V * H + d.layers * block + H + (d.tiedEmbeddings ? 0 : V * H);
}

qint64 recurrentStateBytes(const MambaDims& d) {
  if (!d.valid) return 0;
  return d.layers * ((d.convKernel - 1) * d.intermediate + d.intermediate * d.stateSize) *
         qint64(sizeof(float));
}

int dtypeBytes(const QString& t) {
  const QString s = t.toLower();
  if (s == QLatin1String("float32") || s == QLatin1String("f32")) return 4;
  if (s == QLatin1String("bfloat16") || s == QLatin1String("float16") ||
      s == QLatin1String("bf16") || s == QLatin1String("f16") || s == QLatin1String("half"))
    return 2;
  if (s == QLatin1String("float64")) return 8;
  return 0;
}

MemoryEstimate estimateMemory(const QJsonObject& config, qint64 storedWeightBytes,
                              int targetDtypeBytes, qint64 ramBytes) {
  MemoryEstimate e;
  const MambaDims dims = dimsFromConfig(config);
  int stored = dtypeBytes(config.value(QLatin1String("torch_dtype")).toString());
  e.parameterCount = parameterCount(dims);
  if (e.parameterCount == 0 && storedWeightBytes > 0)
    e.parameterCount = storedWeightBytes / (stored > 0 ? stored : 4);
  if (stored == 0)
    stored = (e.parameterCount > 0 && storedWeightBytes > 0)
                 ? int(std::clamp(std::round(double(storedWeightBytes) / double(e.parameterCount)),
                                  0.0, 8.0))
                 : 4;
  if (stored <= 0) stored = 4;
  e.dtypeBytes = targetDtypeBytes > 0 ? targetDtypeBytes : stored;
  e.weightBytes = e.parameterCount * e.dtypeBytes;
  e.stateBytes = recurrentStateBytes(dims);
  e.totalBytes = e.weightBytes + e.stateBytes;
  e.ramBytes = ramBytes >= 0 ? ramBytes : systemRamBytes();
  e.fitsInRam = e.ramBytes <= 0 || e.totalBytes <= e.ramBytes;
  e.valid = e.parameterCount > 0;
  return e;
}

qint64 systemRamBytes() {
  QFile f(QStringLiteral("/proc/meminfo"));
  if (f.open(QIODevice::ReadOnly)) {
    while (!f.atEnd()) {
      const QByteArray line = f.readLine();
      if (line.startsWith("MemTotal:")) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() >= 2) return parts[1].toLongLong() * 1024;
      }
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && pageSize > 0 ? qint64(pages) * pageSize : 0;
}

DiskCheck checkFreeSpace(const QString& dir, qint64 neededBytes) {
  DiskCheck c;
  c.neededBytes = neededBytes;
  QString probe = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
  while (!QFileInfo::exists(probe) && probe != QDir::rootPath() && !probe.isEmpty())
    probe = QFileInfo(probe).absolutePath();
  QStorageInfo storage(probe);
  storage.refresh();
  if (!storage.isValid() || !storage.isReady()) return c;  // cannot tell: let the writes decide
  c.availableBytes = storage.bytesAvailable();
  if (c.availableBytes >= 0 && neededBytes > c.availableBytes) {
    c.ok = false;
    c.message = QStringLiteral(
                    "Not enough disk space in %1: the download needs %2 but only %3 "
                    "is free. Free some space or set HF_HUB_CACHE to another disk.")
                    .arg(dir, formatBytes(neededBytes), formatBytes(c.availableBytes));
  }
  return c;
}

QString formatBytes(qint64 bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double v = double(bytes);
  int u = 0;
  while (std::fabs(v) >= 1000.0 && u < 6) {
    v /= 1000.0;
    ++u;
  }
  if (u == 0) return QStringLiteral("%1 B").arg(bytes);
  return QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[u]));
}

}  // namespace coil::hub
