// The curated first entry of the Models page: tiiuae/falcon-mamba-7b-instruct, the model
// Coil is built for. It leads the results when the search box is empty or the query matches
// it, and is shown from what is known about it even before (or without) the Hub's answer.
#pragma once
#include <QJsonObject>
#include <QList>
#include <QString>

#include "hub_types.hpp"

namespace coil::app {

inline constexpr const char* kCuratedRepoId = "tiiuae/falcon-mamba-7b-instruct";

// The entry as Coil knows it without asking the Hub (compatible, safetensors, falcon_mamba).
hub::ModelSummary curatedSummary();
// Its published config.json's shape (64 layers, hidden 4096, BF16, untied head): the memory
// estimate before the Hub answered, or offline.
QJsonObject curatedConfig();
// Empty (or blank) queries match, and so does a query every word of which is in the id.
bool queryMatchesCurated(const QString& query);
// The results with the curated entry first when the query matches it: the Hub's own entry
// for it moved to the front, or the built-in one when the Hub did not return it.
QList<hub::ModelSummary> withCuratedFirst(const QString& query, QList<hub::ModelSummary> results);

}  // namespace coil::app
