#include "code_highlight.hpp"

#include <srchilite/formatter.h>
#include <srchilite/formattermanager.h>
#include <srchilite/formatterparams.h>
#include <srchilite/langdefmanager.h>
#include <srchilite/langmap.h>
#include <srchilite/regexrulefactory.h>
#include <srchilite/settings.h>
#include <srchilite/sourcehighlighter.h>

#include <QHash>
#include <QStringList>
#include <boost/shared_ptr.hpp>
#include <memory>
#include <string>

namespace coil::app {

namespace {

QString escaped(const QString& text) {
  QString out = text.toHtmlEscaped();
  out.replace(QChar(0), QChar(QChar::ReplacementCharacter));
  return out;
}

// Colours of the elements source-highlight names (its default.style's element names).
QString colourOf(const std::string& element, bool dark) {
  struct Entry {
    const char* element;
    const char* light;
    const char* dark;
  };
  static const Entry palette[] = {
      {"keyword", "#a626a4", "#c678dd"},     {"type", "#c18401", "#e5c07b"},
      {"usertype", "#c18401", "#e5c07b"},    {"classname", "#c18401", "#e5c07b"},
      {"string", "#50a14f", "#98c379"},      {"regexp", "#50a14f", "#98c379"},
      {"specialchar", "#0184bc", "#56b6c2"}, {"comment", "#a0a1a7", "#7f848e"},
      {"number", "#986801", "#d19a66"},      {"preproc", "#4078f2", "#61afef"},
      {"function", "#4078f2", "#61afef"},    {"predef_func", "#4078f2", "#61afef"},
      {"predef_var", "#e45649", "#e06c75"},  {"variable", "#e45649", "#e06c75"},
      {"property", "#e45649", "#e06c75"},    {"label", "#e45649", "#e06c75"},
      {"url", "#4078f2", "#61afef"},         {"todo", "#e45649", "#e06c75"}};
  for (const Entry& e : palette)
    if (element == e.element) return QString::fromLatin1(dark ? e.dark : e.light);
  return {};
}

// Appends each piece source-highlight hands it, coloured as its element.
class SpanFormatter : public srchilite::Formatter {
 public:
  SpanFormatter(QString* out, QString colour, bool italic)
      : out_(out), colour_(std::move(colour)), italic_(italic) {}
  void format(const std::string& s, const srchilite::FormatterParams*) override {
    if (s.empty()) return;
    const QString text = escaped(QString::fromUtf8(s.data(), qsizetype(s.size())));
    if (colour_.isEmpty()) {
      *out_ += text;
      return;
    }
    *out_ += QStringLiteral("<span style=\"color:%1;%2\">%3</span>")
                 .arg(colour_, italic_ ? QStringLiteral(" font-style:italic;") : QString(), text);
  }

 private:
  QString* out_;
  QString colour_;
  bool italic_;
};

QString definitionAlias(const QString& language) {
  static const QHash<QString, QString> aliases{
      {QStringLiteral("c++"), QStringLiteral("cpp")},
      {QStringLiteral("hpp"), QStringLiteral("cpp")},
      {QStringLiteral("console"), QStringLiteral("sh")},
      {QStringLiteral("shell-session"), QStringLiteral("sh")},
      {QStringLiteral("ts"), QStringLiteral("javascript")},
      {QStringLiteral("typescript"), QStringLiteral("javascript")},
      {QStringLiteral("jsx"), QStringLiteral("javascript")},
      {QStringLiteral("python3"), QStringLiteral("python")},
      {QStringLiteral("rust"), QStringLiteral("rs")},
      {QStringLiteral("golang"), QStringLiteral("go")}};
  return aliases.value(language, language);
}

// The per-thread cache: source-highlight's data folder, its language map and the language
// definitions read so far.
struct Highlighter {
  std::string dataDir = srchilite::Settings::retrieveDataDir();
  srchilite::RegexRuleFactory rules;
  srchilite::LangDefManager definitions{&rules};
  std::unique_ptr<srchilite::LangMap> langMap;

  Highlighter() {
    try {
      langMap = std::make_unique<srchilite::LangMap>(dataDir, "lang.map");
      langMap->open();
    } catch (...) {
      langMap.reset();  // no data files: nothing is highlighted, the code still shows
    }
  }

  std::string definitionOf(const QString& language) {
    const QString name = definitionAlias(language.trimmed().toLower());
    if (!langMap || name.isEmpty() || name.size() > 40) return {};
    try {
      return langMap->getMappedFileName(name.toStdString());
    } catch (...) {
      return {};
    }
  }
};

Highlighter& highlighter() {
  static thread_local Highlighter h;
  return h;
}

}  // namespace

bool canHighlight(const QString& language) {
  return !highlighter().definitionOf(language).empty();
}

QString highlightCode(const QString& code, const QString& language, bool dark) {
  Highlighter& h = highlighter();
  const std::string definition = h.definitionOf(language);
  if (definition.empty() || code.size() > kMaxHighlightBytes) return escaped(code);
  QString out;
  out.reserve(code.size() * 2);
  try {
    srchilite::SourceHighlighter source(h.definitions.getHighlightState(h.dataDir, definition));
    srchilite::FormatterManager formatters(
        srchilite::FormatterPtr(new SpanFormatter(&out, QString(), false)));
    for (const char* element :
         {"keyword", "type", "usertype", "classname", "string", "regexp", "specialchar", "comment",
          "number", "preproc", "function", "predef_func", "predef_var", "variable", "property",
          "label", "url", "todo"})
      formatters.addFormatter(
          element, srchilite::FormatterPtr(new SpanFormatter(&out, colourOf(element, dark),
                                                             std::string(element) == "comment")));
    source.setFormatterManager(&formatters);
    srchilite::FormatterParams params;
    source.setFormatterParams(&params);
    const QStringList lines = code.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
      if (i > 0) out += QLatin1Char('\n');
      params.start = 0;
      source.highlightParagraph(lines[i].toStdString());
    }
  } catch (...) {
    return escaped(code);  // a definition that fails to load: the plain code
  }
  return out;
}

}  // namespace coil::app
