// Human-readable numbers for the status line and settings (byte counts: hub::formatBytes,
// format_bytes.hpp, the one spelling of sizes).
#pragma once
#include <QString>

namespace coil::app {

QString formatMs(double ms);            // "4 ms", "1.2 s"
QString formatRate(double tokensPerS);  // "31.5"
// "1 token", "812 tokens" (English; the UI is not translated yet)
QString formatCount(qint64 n, const char* singular, const char* plural);

}  // namespace coil::app
