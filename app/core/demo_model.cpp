#include "demo_model.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace coil::app {

QStringList demoModelCandidates() {
  QStringList out;
  if (QCoreApplication::instance()) {
    const QDir bin(QCoreApplication::applicationDirPath());
    out << QDir::cleanPath(bin.filePath(QStringLiteral("../share/coil/models/coil-demo")));
  }
  out << QStringLiteral(COIL_SOURCE_DIR "/resources/models/coil-demo");
  return out;
}

QString findDemoModel() {
  for (const QString& dir : demoModelCandidates())
    if (QFileInfo::exists(QDir(dir).filePath(QStringLiteral("config.json")))) return dir;
  return {};
}

}  // namespace coil::app
