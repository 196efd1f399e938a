#include "fts_query.hpp"

#include <QStringList>

namespace coil::storage {

namespace {

bool hasWordCharacter(const QString& s) {
  for (QChar c : s)
    if (c.isLetterOrNumber()) return true;
  return false;
}

}  // namespace

QString ftsMatchExpression(const QString& userQuery) {
  QStringList phrases;
  const QStringList words = userQuery.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (const QString& w : words) {
    // A word of punctuation only would become an empty phrase; skip it.
    if (!hasWordCharacter(w)) continue;
    QString quoted = w;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    phrases << QLatin1Char('"') + quoted + QLatin1Char('"');
  }
  if (phrases.isEmpty()) return {};
  phrases.last() += QLatin1Char('*');
  return phrases.join(QLatin1Char(' '));
}

}  // namespace coil::storage
