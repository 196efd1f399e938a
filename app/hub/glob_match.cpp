#include "glob_match.hpp"

#include <QRegularExpression>

namespace coil::hub {

namespace {

QString globToRegex(QString pattern) {
  if (pattern.endsWith(QLatin1Char('/'))) pattern += QLatin1Char('*');
  QString rx;
  rx.reserve(pattern.size() * 2 + 8);
  for (qsizetype i = 0; i < pattern.size(); ++i) {
    const QChar c = pattern[i];
    if (c == QLatin1Char('*')) {
      rx += QLatin1String(".*");
    } else if (c == QLatin1Char('?')) {
      rx += QLatin1Char('.');
    } else if (c == QLatin1Char('[')) {
      const qsizetype close = pattern.indexOf(QLatin1Char(']'), i + 2);
      if (close < 0) {
        rx += QLatin1String("\\[");
        continue;
      }
      QString cls = pattern.mid(i + 1, close - i - 1);
      rx += QLatin1Char('[');
      if (cls.startsWith(QLatin1Char('!'))) {
        rx += QLatin1Char('^');
        cls.remove(0, 1);
      }
      for (const QChar k : cls) {
        if (k == QLatin1Char('\\') || k == QLatin1Char('^') || k == QLatin1Char('['))
          rx += QLatin1Char('\\');
        rx += k;
      }
      rx += QLatin1Char(']');
      i = close;
    } else {
      rx += QRegularExpression::escape(QString(c));
    }
  }
  return QRegularExpression::anchoredPattern(rx);
}

}  // namespace

bool globMatch(const QString& pattern, const QString& path) {
  const QRegularExpression re(globToRegex(pattern), QRegularExpression::DotMatchesEverythingOption);
  return re.isValid() && re.match(path).hasMatch();
}

bool matchesAny(const QStringList& patterns, const QString& path) {
  if (patterns.isEmpty()) return true;
  for (const QString& p : patterns)
    if (globMatch(p, path)) return true;
  return false;
}

}  // namespace coil::hub
