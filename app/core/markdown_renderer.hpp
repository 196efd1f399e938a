// The QML face of the Markdown renderer and the code highlighter (the singleton Markdown):
// MarkdownText and CodeBlock call these with the theme's colours, so a theme switch
// re-renders what is shown.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QVariantMap>

namespace coil::app {

class MarkdownRenderer : public QObject {
  Q_OBJECT
  QML_NAMED_ELEMENT(Markdown)
  QML_SINGLETON

 public:
  using QObject::QObject;

  // markdownToHtml with the colours of `style` ({text, muted, link, codeBackground, border}).
  Q_INVOKABLE QString html(const QString& markdown, const QVariantMap& style) const;
  // highlightCode: the inside of a <pre>.
  Q_INVOKABLE QString code(const QString& code, const QString& language, bool dark) const;
};

}  // namespace coil::app
