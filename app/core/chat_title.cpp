#include "chat_title.hpp"

#include <QRegularExpression>
#include <QStringList>

namespace coil::app {

namespace {

constexpr int kMaxTitle = 48;
constexpr int kMaxScanned = 4096;  // a title needs the first words only

// One line without its Markdown: block markers at its start, then inline markup.
QString plainLine(QString line) {
  static const QRegularExpression block(
      QStringLiteral(R"(^\s{0,3}(?:#{1,6}\s+|>\s*|[-*+]\s+(?:\[[ xX]\]\s+)?|\d{1,9}[.)]\s+))"));
  static const QRegularExpression image(QStringLiteral(R"(!\[([^\]]*)\]\([^)]*\))"));
  static const QRegularExpression link(QStringLiteral(R"(\[([^\]]*)\]\([^)]*\))"));
  static const QRegularExpression emphasis(QStringLiteral(R"((\*{1,3}|~~)(\S(?:.*?\S)?)\1)"));
  // underscores inside a word (snake_case) are not emphasis
  static const QRegularExpression underscores(
      QStringLiteral(R"((?<!\w)(_{1,3})(\S(?:.*?\S)?)\1(?!\w))"));
  static const QRegularExpression code(QStringLiteral(R"(`+([^`]*)`+)"));
  static const QRegularExpression html(QStringLiteral(R"(<[^>\n]{1,200}>)"));
  for (int i = 0; i < 4; ++i) {  // nested markers: "> - # x"
    const QString before = line;
    line.remove(block);
    if (line == before) break;
  }
  line.replace(image, QStringLiteral("\\1"));
  line.replace(link, QStringLiteral("\\1"));
  line.replace(code, QStringLiteral("\\1"));
  for (int i = 0; i < 3; ++i) {
    line.replace(emphasis, QStringLiteral("\\2"));
    line.replace(underscores, QStringLiteral("\\2"));
  }
  line.remove(html);
  return line.simplified();
}

}  // namespace

QString chatTitleFrom(const QString& firstMessage) {
  QString title;
  bool inFence = false;
  for (const QString& raw : firstMessage.left(kMaxScanned).split(QLatin1Char('\n'))) {
    const QString trimmed = raw.trimmed();
    if (trimmed.startsWith(QLatin1String("```")) || trimmed.startsWith(QLatin1String("~~~"))) {
      inFence = !inFence;
      continue;
    }
    if (inFence && !title.isEmpty()) break;
    const QString line = plainLine(raw);
    if (line.isEmpty() || line.count(QLatin1Char('-')) == line.size()) continue;  // a rule
    title = title.isEmpty() ? line : title + QLatin1Char(' ') + line;
    if (title.size() > kMaxTitle) break;
  }
  if (title.size() <= kMaxTitle) return title;
  const int cut = int(title.lastIndexOf(QLatin1Char(' '), kMaxTitle));
  return title.left(cut > kMaxTitle / 2 ? cut : kMaxTitle) + QChar(0x2026);
}

}  // namespace coil::app
