#include "format.hpp"

#include <QLocale>

namespace coil::app {

QString formatMs(double ms) {
  if (ms < 10) return QStringLiteral("%1 ms").arg(QLocale().toString(ms, 'f', 1));
  if (ms < 1000) return QStringLiteral("%1 ms").arg(qRound(ms));
  return QStringLiteral("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', 1));
}

QString formatRate(double tokensPerS) {
  return QLocale().toString(tokensPerS, 'f', tokensPerS < 100 ? 1 : 0);
}

QString formatCount(qint64 n, const char* singular, const char* plural) {
  return QStringLiteral("%1 %2").arg(QLocale().toString(n),
                                     QLatin1String(n == 1 ? singular : plural));
}

}  // namespace coil::app
