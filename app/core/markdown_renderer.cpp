#include "markdown_renderer.hpp"

#include "code_highlight.hpp"
#include "markdown_html.hpp"

namespace coil::app {

QString MarkdownRenderer::html(const QString& markdown, const QVariantMap& style) const {
  HtmlStyle s;
  auto take = [&style](const char* key, QString& field) {
    const QString value = style.value(QLatin1String(key)).toString();
    if (!value.isEmpty()) field = value.toHtmlEscaped();
  };
  take("text", s.text);
  take("muted", s.muted);
  take("link", s.link);
  take("codeBackground", s.codeBackground);
  take("border", s.border);
  return markdownToHtml(markdown, s);
}

QString MarkdownRenderer::code(const QString& code, const QString& language, bool dark) const {
  return highlightCode(code, language, dark);
}

}  // namespace coil::app
