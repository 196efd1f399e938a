// Turns what a user typed into a safe FTS5 MATCH expression: every word becomes a quoted
// phrase (so `"`, `*`, `AND`, `NEAR(`, `-`, `:` ... are literal text, never syntax), all
// words must match, and the last one matches as a prefix (search as you type).
// Returns an empty string when there is nothing to search for.
#pragma once
#include <QString>

namespace coil::storage {

QString ftsMatchExpression(const QString& userQuery);

}  // namespace coil::storage
