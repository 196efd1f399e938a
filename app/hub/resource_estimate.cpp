#include "resource_estimate.hpp"

#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStorageInfo>
#include <algorithm>
#include <cmath>
#include <optional>

#include "coil/config.hpp"
#include "coil/quantize.hpp"

namespace coil::hub {

namespace {

// The engine's reading of config.json; nullopt when it cannot run the model.
std::optional<ModelConfig> engineConfig(const QJsonObject& config) {
  try {
    return ModelConfig::parse_text(QJsonDocument(config).toJson().toStdString(), "config.json");
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

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
  const std::optional<ModelConfig> dims = engineConfig(config);
  int stored = dtypeBytes(config.value(QLatin1String("torch_dtype")).toString());
  e.parameterCount = dims ? dims->parameter_count() : 0;
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
  e.stateBytes = dims ? dims->state_bytes() : 0;
  e.totalBytes = e.weightBytes + e.stateBytes;
  e.ramBytes = ramBytes >= 0 ? ramBytes : systemRamBytes();
  e.fitsInRam = e.ramBytes <= 0 || e.totalBytes <= e.ramBytes;
  e.valid = e.parameterCount > 0;
  return e;
}

MemoryEstimate estimateMemoryAs(const QJsonObject& config, qint64 storedWeightBytes,
                                const QString& weights, qint64 ramBytes) {
  MemoryEstimate e = estimateMemory(config, storedWeightBytes, 0, ramBytes);
  if (weights.isEmpty() || weights == QLatin1String("stored") || !e.valid) return e;
  DType type;
  try {
    type = parse_weight_type(weights.toStdString());
  } catch (const std::exception&) {
    return e;  // not a type: as stored
  }
  if (!dtype_is_quantized(type)) return e;
  const std::optional<ModelConfig> dims = engineConfig(config);
  // without the engine's reading of the config: every parameter in the type
  const qint64 perBlock = qint64(dtype_tensor_bytes(type, 1, dtype_block_size(type)));
  e.weightBytes = dims ? qint64(quantized_weight_bytes(*dims, type))
                       : e.parameterCount / dtype_block_size(type) * perBlock;
  e.dtypeBytes = 0;
  e.quantizedAs = QString::fromLatin1(dtype_name(type));
  e.totalBytes = e.weightBytes + e.stateBytes;
  e.fitsInRam = e.ramBytes <= 0 || e.totalBytes <= e.ramBytes;
  return e;
}

MemoryEstimate estimateStoredMemory(qint64 fileBytes, const QJsonObject& config, qint64 ramBytes) {
  MemoryEstimate e;
  const std::optional<ModelConfig> dims = engineConfig(config);
  e.parameterCount = dims ? dims->parameter_count() : 0;
  e.weightBytes = std::max<qint64>(fileBytes, 0);
  e.dtypeBytes = 0;  // blocks of a quant type: no whole bytes per value
  e.stateBytes = dims ? dims->state_bytes() : 0;
  e.totalBytes = e.weightBytes + e.stateBytes;
  e.ramBytes = ramBytes >= 0 ? ramBytes : systemRamBytes();
  e.fitsInRam = e.ramBytes <= 0 || e.totalBytes <= e.ramBytes;
  e.valid = fileBytes > 0;
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

}  // namespace coil::hub
