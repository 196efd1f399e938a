// Byte counts for people, the one spelling used everywhere (the Models page, the status line,
// the settings, `coil download`): SI units as the Hub shows sizes, "1.5 GB", "114.7 kB", "12 B".
#pragma once
#include <QString>

namespace coil::hub {

QString formatBytes(qint64 bytes);

}  // namespace coil::hub
