// Markdown prose of a message to the HTML subset Qt's rich text shows, parsed by md4c.
// Model output is untrusted text: raw HTML in it is shown as text, never interpreted
// (MD_FLAG_NOHTML), every character of the text is escaped; images are never loaded (their
// alt text shows, linked to their address); only http(s) and mailto links are links (any
// other address shows as text); nesting deeper than kMaxDepth is flattened, so no input
// makes the view's HTML parser recurse without bound. Tables, quotes, code spans and links
// take the colours of HtmlStyle (the theme's).
#pragma once
#include <QString>

namespace coil::app {

struct HtmlStyle {
  QString text = QStringLiteral("#1c1e22");
  QString muted = QStringLiteral("#6a6f7a");
  QString link = QStringLiteral("#3f68f0");
  QString codeBackground = QStringLiteral("#f5f6f8");
  QString border = QStringLiteral("#e2e5ea");
};

inline constexpr int kMaxMarkdownDepth = 16;

QString markdownToHtml(const QString& markdown, const HtmlStyle& style = {});

}  // namespace coil::app
