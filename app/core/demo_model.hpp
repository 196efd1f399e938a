// Where the bundled demo model is: installed beside the binary's prefix
// (<prefix>/share/coil/models/coil-demo) or, in a build tree, in the sources.
#pragma once
#include <QString>
#include <QStringList>

namespace coil::app {

QStringList demoModelCandidates();
// The first candidate holding a config.json, or "".
QString findDemoModel();

}  // namespace coil::app
