// Parsing of /api/models answers and the compatibility rule: a repo Coil can run has
// model_type falcon_mamba or mamba and safetensors weights; others carry a reason.
#pragma once
#include <QJsonArray>
#include <QJsonObject>

#include "hub_types.hpp"

namespace coil::hub {

ModelSummary parseModelSummary(const QJsonObject& json);

// The array that /api/models returns. Entries that are not objects are skipped.
QList<ModelSummary> parseSearchResults(const QJsonArray& json);

// Fills compatible / incompatibleReason / hasSafetensors from the other fields.
void classifyCompatibility(ModelSummary& model);

}  // namespace coil::hub
