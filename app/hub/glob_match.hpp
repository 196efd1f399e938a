// File-name patterns as `--include` and huggingface_hub's allow_patterns take them (fnmatch):
// '*' and '?' also match '/', "[abc]" / "[!abc]" are classes, and a pattern that ends with
// '/' matches everything under that folder.
#pragma once
#include <QString>
#include <QStringList>

namespace coil::hub {

bool globMatch(const QString& pattern, const QString& path);

// True when `patterns` is empty or any of them matches.
bool matchesAny(const QStringList& patterns, const QString& path);

}  // namespace coil::hub
