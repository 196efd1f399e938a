// Parsing of /api/models answers and the compatibility rule: a repo Coil can run has
// model_type falcon_mamba or mamba and safetensors weights, or is a GGUF repo of
// architecture mamba (FalconMamba's GGUF name); others carry a reason.
#pragma once
#include <QJsonArray>
#include <QJsonObject>

#include "hub_types.hpp"

namespace coil::hub {

ModelSummary parseModelSummary(const QJsonObject& json);

// The array that /api/models returns. Entries that are not objects are skipped.
QList<ModelSummary> parseSearchResults(const QJsonArray& json);

// Fills compatible / incompatibleReason / hasSafetensors / ggufOnly / ggufPending from the
// other fields.
void classifyCompatibility(ModelSummary& model);

// GGUF architectures Coil runs: "mamba" (and FalconMamba's spellings).
bool isSupportedGgufArchitecture(const QString& architecture);

// The quant type a GGUF file name states, upper-case ("falcon-mamba-7b.Q4_K_M.gguf" ->
// "Q4_K_M", "x-bf16.gguf" -> "BF16"); "" when the name says none.
QString ggufQuantOfFileName(const QString& path);

}  // namespace coil::hub
