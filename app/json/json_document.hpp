// JSON the app did not write itself, parsed behind the engine's limits: the nesting depth is
// checked (coil::json_too_deep) before QJsonDocument parses, and files are size-checked
// before they are read. Errors are sentences naming the source.
#pragma once
#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <optional>

#include "coil/json.hpp"
#include "coil/limits.hpp"

namespace coil {

// Parses `bytes` read from `source` ("the Hub's search answer", a file name). On failure,
// nullopt and *error (when given) says why, naming `source`.
inline std::optional<QJsonDocument> parseJsonDocument(const QByteArray& bytes,
                                                      const QString& source,
                                                      QString* error = nullptr) {
  if (const auto at = json_too_deep({bytes.constData(), static_cast<size_t>(bytes.size())})) {
    if (error)
      *error = QStringLiteral("%1: JSON nested deeper than %2 levels (at byte %3)")
                   .arg(source)
                   .arg(limits::kJsonDepth)
                   .arg(qulonglong(*at));
    return std::nullopt;
  }
  QJsonParseError perr;
  QJsonDocument doc = QJsonDocument::fromJson(bytes, &perr);
  if (perr.error != QJsonParseError::NoError) {
    if (error)
      *error = QStringLiteral("%1: invalid JSON: %2 at byte %3")
                   .arg(source, perr.errorString())
                   .arg(perr.offset);
    return std::nullopt;
  }
  return doc;
}

// The size limit for a model folder's small JSON files (config.json, a weights index) read
// for a detail such as a memory estimate: a hostile file is not read into memory.
inline constexpr qint64 kSmallJsonFileBytes = 16ll << 20;

// The JSON object in the file at `path`, or an empty object when the file is missing, larger
// than `maxBytes`, not JSON, or not an object (for files whose absence only loses a detail,
// such as a cached config.json read for a memory estimate: pass kSmallJsonFileBytes).
inline QJsonObject readJsonObjectFile(const QString& path,
                                      qint64 maxBytes = qint64(limits::kJsonFileBytes)) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly) || f.size() > maxBytes) return {};
  const auto doc = parseJsonDocument(f.read(maxBytes), path);
  return doc ? doc->object() : QJsonObject();
}

}  // namespace coil
