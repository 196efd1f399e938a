// Syntax highlighting of a code block for Qt's rich text, by GNU source-highlight: the
// fence's language ("python", "c++", "js", "sh", ...) picks a language definition through
// source-highlight's lang.map; each element (keyword, string, comment, ...) takes a colour of
// the light or dark palette. Unknown languages, blocks larger than kMaxHighlightBytes and a
// definition that fails to load give the text escaped and uncoloured: the code always shows.
// One highlighter per thread (its language definitions are cached there).
#pragma once
#include <QString>

namespace coil::app {

inline constexpr qsizetype kMaxHighlightBytes = 256 * 1024;

// The code as the inside of a <pre> (escaped text and <span style="color:..."> elements).
QString highlightCode(const QString& code, const QString& language, bool dark);
// Whether `language` names a definition source-highlight has.
bool canHighlight(const QString& language);

}  // namespace coil::app
