// The title of a new chat, from its first message: one line of plain words, at most about
// 48 characters, cut at a word. Markdown (headings, emphasis, code, links, images, lists,
// quotes) is taken out, so "## **Fix** my `code`" becomes "Fix my code".
#pragma once
#include <QString>

namespace coil::app {

QString chatTitleFrom(const QString& firstMessage);

}  // namespace coil::app
