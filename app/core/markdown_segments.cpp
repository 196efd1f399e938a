#include "markdown_segments.hpp"

#include <QStringList>
#include <QVariantMap>

namespace coil::app {

namespace {

// A fence line: up to 3 spaces, then ``` or ~~~ (or longer). Returns the fence or "".
QString fenceOf(const QString& line) {
  int i = 0;
  while (i < line.size() && i < 3 && line[i] == QLatin1Char(' ')) ++i;
  if (i >= line.size()) return {};
  const QChar c = line[i];
  if (c != QLatin1Char('`') && c != QLatin1Char('~')) return {};
  int n = i;
  while (n < line.size() && line[n] == c) ++n;
  if (n - i < 3) return {};
  return line.mid(i, n - i);
}

void flush(QList<MarkdownSegment>& out, MarkdownSegment::Kind kind, QStringList& lines,
           const QString& language) {
  QString text = lines.join(QLatin1Char('\n'));
  lines.clear();
  if (kind == MarkdownSegment::Kind::Text && text.trimmed().isEmpty()) return;
  out.push_back({kind, std::move(text), language});
}

}  // namespace

QList<MarkdownSegment> splitMarkdown(const QString& markdown) {
  QList<MarkdownSegment> out;
  QStringList lines;
  QString fence, language;
  for (const QString& line : markdown.split(QLatin1Char('\n'))) {
    const QString f = fenceOf(line);
    if (fence.isEmpty()) {
      if (f.isEmpty()) {
        lines << line;
        continue;
      }
      flush(out, MarkdownSegment::Kind::Text, lines, {});
      fence = f;
      language = line.trimmed().mid(f.size()).trimmed();
    } else if (f.startsWith(fence) && line.trimmed() == f) {
      flush(out, MarkdownSegment::Kind::Code, lines, language);
      fence.clear();
      language.clear();
    } else {
      lines << line;
    }
  }
  if (!fence.isEmpty())
    flush(out, MarkdownSegment::Kind::Code, lines, language);
  else
    flush(out, MarkdownSegment::Kind::Text, lines, {});
  return out;
}

QVariantList segmentsToVariant(const QList<MarkdownSegment>& segments) {
  QVariantList out;
  for (const MarkdownSegment& s : segments) {
    out << QVariantMap{
        {QStringLiteral("kind"),
         s.kind == MarkdownSegment::Kind::Code ? QStringLiteral("code") : QStringLiteral("text")},
        {QStringLiteral("text"), s.text},
        {QStringLiteral("language"), s.language}};
  }
  return out;
}

}  // namespace coil::app
