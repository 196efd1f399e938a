#include "hub_token_store.hpp"

#include <QDir>
#include <QFile>

#include "coil/atomic_file.hpp"

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
  const QByteArray bytes = t.toUtf8();
  try {  // owner-only from the moment the file exists
    write_file_atomically(QFile::encodeName(path_).toStdString(), bytes.constData(),
                          size_t(bytes.size()), "", 0600);
  } catch (const coil::Error& e) {
    if (error) *error = QString::fromUtf8(e.what());  // "cannot write <path>: <reason>"
    return false;
  }
  return true;
}

}  // namespace coil::app
