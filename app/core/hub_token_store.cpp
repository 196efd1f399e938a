#include "hub_token_store.hpp"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace coil::app {

HubTokenStore::HubTokenStore(QString dataDir, const QString& fileName)
    : path_(dataDir.isEmpty() ? QString() : QDir(dataDir).filePath(fileName)) {}

QString HubTokenStore::token() const {
  if (path_.isEmpty()) return memory_;
  QFile f(path_);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll()).trimmed();
}

bool HubTokenStore::setToken(const QString& token, QString* error) {
  const QString t = token.trimmed();
  if (path_.isEmpty()) {
    memory_ = t;
    return true;
  }
  if (t.isEmpty()) {
    if (!QFile::exists(path_) || QFile::remove(path_)) return true;
    if (error) *error = QStringLiteral("Cannot remove %1").arg(QDir::toNativeSeparators(path_));
    return false;
  }
  QSaveFile f(path_);
  if (!f.open(QIODevice::WriteOnly)) {
    if (error) *error = QStringLiteral("Cannot write %1: %2").arg(path_, f.errorString());
    return false;
  }
  f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  f.write(t.toUtf8());
  if (!f.commit()) {
    if (error) *error = QStringLiteral("Cannot write %1: %2").arg(path_, f.errorString());
    return false;
  }
  QFile::setPermissions(path_, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  return true;
}

}  // namespace coil::app
