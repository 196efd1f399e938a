#include "curated_model.hpp"

#include <QStringList>

#include "search_results.hpp"

namespace coil::app {

hub::ModelSummary curatedSummary() {
  hub::ModelSummary m;
  m.id = QString::fromLatin1(kCuratedRepoId);
  m.modelType = QStringLiteral("falcon_mamba");
  m.architectures = {QStringLiteral("FalconMambaForCausalLM")};
  m.tags = {QStringLiteral("safetensors"), QStringLiteral("falcon_mamba"),
            QStringLiteral("text-generation")};
  m.pipelineTag = QStringLiteral("text-generation");
  m.libraryName = QStringLiteral("transformers");
  hub::classifyCompatibility(m);
  return m;
}

QJsonObject curatedConfig() {
  return QJsonObject{
      {"model_type", "falcon_mamba"}, {"hidden_size", 4096}, {"intermediate_size", 8192},
      {"num_hidden_layers", 64},      {"state_size", 16},    {"conv_kernel", 4},
      {"time_step_rank", 256},        {"vocab_size", 65024}, {"tie_word_embeddings", false},
      {"torch_dtype", "bfloat16"}};
}

bool queryMatchesCurated(const QString& query) {
  const QString id = QString::fromLatin1(kCuratedRepoId);
  const QStringList words = query.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (const QString& w : words)
    if (!id.contains(w, Qt::CaseInsensitive)) return false;
  return true;
}

QList<hub::ModelSummary> withCuratedFirst(const QString& query, QList<hub::ModelSummary> results) {
  if (!queryMatchesCurated(query)) return results;
  const QString id = QString::fromLatin1(kCuratedRepoId);
  hub::ModelSummary curated = curatedSummary();
  for (int i = 0; i < results.size(); ++i) {
    if (results[i].id.compare(id, Qt::CaseInsensitive) != 0) continue;
    curated = results.takeAt(i);
    break;
  }
  results.prepend(curated);
  return results;
}

}  // namespace coil::app
