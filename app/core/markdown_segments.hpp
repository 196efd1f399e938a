// Splits a Markdown message into prose and fenced code blocks, so the view can show code
// in a monospaced box with its own copy button. An unclosed fence (an answer still
// streaming) runs to the end of the text.
#pragma once
#include <QList>
#include <QString>
#include <QVariantList>

namespace coil::app {

struct MarkdownSegment {
  enum class Kind { Text, Code };
  Kind kind = Kind::Text;
  QString text;      // prose as Markdown; code without its fences
  QString language;  // the fence's info string ("" if none)

  bool operator==(const MarkdownSegment&) const = default;
};

QList<MarkdownSegment> splitMarkdown(const QString& markdown);
// [{kind: "text"|"code", text, language}, ...] for QML.
QVariantList segmentsToVariant(const QList<MarkdownSegment>& segments);

}  // namespace coil::app
