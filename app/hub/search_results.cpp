#include "search_results.hpp"

#include <QJsonValue>
#include <QRegularExpression>

namespace coil::hub {

namespace {

QStringList stringList(const QJsonValue& v) {
  QStringList out;
  for (const QJsonValue& x : v.toArray())
    if (x.isString()) out << x.toString();
  return out;
}

bool anyEndsWith(const QStringList& files, const char* suffix) {
  for (const QString& f : files)
    if (f.endsWith(QLatin1String(suffix), Qt::CaseInsensitive)) return true;
  return false;
}

}  // namespace

bool isSupportedGgufArchitecture(const QString& architecture) {
  // FalconMamba is "mamba" in GGUF (with mamba.ssm.dt_b_c_rms); converters have used both
  return architecture == QLatin1String("mamba") || architecture == QLatin1String("falcon_mamba") ||
         architecture == QLatin1String("falcon-mamba");
}

void classifyCompatibility(ModelSummary& m) {
  m.hasSafetensors = m.files.isEmpty() ? m.tags.contains(QLatin1String("safetensors"))
                                       : anyEndsWith(m.files, ".safetensors");
  const bool ggufOnly = !m.hasSafetensors &&
                        (m.tags.contains(QLatin1String("gguf")) || anyEndsWith(m.files, ".gguf"));
  m.ggufOnly = ggufOnly;
  m.ggufPending = false;
  m.compatible = false;
  if (ggufOnly) {
    // one .gguf file is a whole model: the repo's metadata (the Hub's gguf.architecture or
    // a config.json model_type) or the file's own header says what it is
    const QString architecture = m.ggufArchitecture.isEmpty() ? m.modelType : m.ggufArchitecture;
    if (!m.ggufError.isEmpty()) {
      m.incompatibleReason = QStringLiteral("GGUF header unreadable: %1").arg(m.ggufError);
    } else if (architecture.isEmpty()) {
      m.ggufPending = true;
      m.incompatibleReason = QStringLiteral("GGUF files: reading the architecture…");
    } else if (!isSupportedGgufArchitecture(architecture)) {
      m.incompatibleReason =
          QStringLiteral("GGUF architecture '%1' is not supported (Coil runs mamba)")
              .arg(architecture);
    } else {
      m.compatible = true;
      m.incompatibleReason.clear();
    }
    return;
  }
  if (m.modelType.isEmpty()) {
    m.incompatibleReason =
        ggufOnly
            ? QStringLiteral("GGUF files only: Coil needs a transformers config and safetensors")
            : QStringLiteral("no config.json model_type: unknown architecture");
  } else if (m.modelType != QLatin1String("falcon_mamba") &&
             m.modelType != QLatin1String("mamba")) {
    m.incompatibleReason =
        QStringLiteral("model type '%1' is not supported (Coil runs falcon_mamba and mamba)")
            .arg(m.modelType);
  } else if (!m.hasSafetensors) {
    m.incompatibleReason = ggufOnly
                               ? QStringLiteral("GGUF files only: Coil needs safetensors weights")
                               : QStringLiteral("no safetensors weights (only PyTorch .bin files)");
  } else {
    m.compatible = true;
    m.incompatibleReason.clear();
  }
}

QString ggufQuantOfFileName(const QString& path) {
  static const QRegularExpression quant(
      QStringLiteral("(?:^|[-_.])((?:I?Q[1-8]_(?:K_[SMLX]L?|K|[01]|NL|XXS|XS|S|M|L))|"
                     "(?:IQ[1-4]_(?:XXS|XS|S|M|NL))|TQ[12]_0|MXFP4|BF16|F16|F32)(?=[-_.])"),
      QRegularExpression::CaseInsensitiveOption);
  const QString name = path.section(QLatin1Char('/'), -1);
  const QRegularExpressionMatch m = quant.match(name);
  return m.hasMatch() ? m.captured(1).toUpper() : QString();
}

ModelSummary parseModelSummary(const QJsonObject& j) {
  ModelSummary m;
  m.id = j.value(QLatin1String("id")).toString();
  if (m.id.isEmpty()) m.id = j.value(QLatin1String("modelId")).toString();
  m.downloads = j.value(QLatin1String("downloads")).toInteger();
  m.likes = j.value(QLatin1String("likes")).toInteger();
  m.lastModified =
      QDateTime::fromString(j.value(QLatin1String("lastModified")).toString(), Qt::ISODateWithMs);
  m.tags = stringList(j.value(QLatin1String("tags")));
  m.pipelineTag = j.value(QLatin1String("pipeline_tag")).toString();
  m.libraryName = j.value(QLatin1String("library_name")).toString();
  const QJsonValue gated = j.value(QLatin1String("gated"));
  m.gated =
      gated.isString() ? gated.toString() : (gated.toBool() ? QStringLiteral("auto") : QString());
  m.isPrivate = j.value(QLatin1String("private")).toBool();
  const QJsonObject config = j.value(QLatin1String("config")).toObject();
  m.modelType = config.value(QLatin1String("model_type")).toString();
  // the Hub's GGUF summary (expand[]=gguf, and on repo details): {"architecture": ...}
  m.ggufArchitecture =
      j.value(QLatin1String("gguf")).toObject().value(QLatin1String("architecture")).toString();
  m.architectures = stringList(config.value(QLatin1String("architectures")));
  for (const QJsonValue& s : j.value(QLatin1String("siblings")).toArray()) {
    const QString name = s.toObject().value(QLatin1String("rfilename")).toString();
    if (!name.isEmpty()) m.files << name;
  }
  classifyCompatibility(m);
  return m;
}

QList<ModelSummary> parseSearchResults(const QJsonArray& json) {
  QList<ModelSummary> out;
  out.reserve(json.size());
  for (const QJsonValue& v : json)
    if (v.isObject()) out << parseModelSummary(v.toObject());
  return out;
}

}  // namespace coil::hub
