#include "background_removal.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QThreadPool>
#include <QUuid>

namespace coil::hub {

namespace {

const QString kPrefix = QStringLiteral(".coil-deleting-");

QMutex hookMutex;
std::function<void(const QString&)> hook;

// Its own pool: the global one also runs model scans and attachment reads, and a test must
// be able to wait for the deletions alone.
QThreadPool& pool() {
  static QThreadPool* p = [] {
    auto* made = new QThreadPool;  // lives as long as the process (deletions may be running)
    made->setMaxThreadCount(1);
    made->setExpiryTimeout(5000);
    return made;
  }();
  return *p;
}

void deleteNow(const QString& path) {
  std::function<void(const QString&)> h;
  {
    QMutexLocker lock(&hookMutex);
    h = hook;
  }
  if (h) h(path);
  const QFileInfo fi(path);
  if (fi.isDir() && !fi.isSymLink())
    QDir(path).removeRecursively();
  else
    QFile::remove(path);
}

void deleteLater(const QString& path) {
  pool().start([path] { deleteNow(path); });
}

}  // namespace

void removeInBackground(const QString& path) {
  const QFileInfo fi(path);
  if (!fi.exists() && !fi.isSymLink()) return;
  const QString hidden =
      QDir(fi.absolutePath())
          .filePath(kPrefix + QUuid::createUuid().toString(QUuid::WithoutBraces));
  // The rename frees the path at once; where it fails (permissions), the path itself goes.
  deleteLater(QDir().rename(path, hidden) ? hidden : path);
}

void sweepBackgroundRemovals(const QString& dir) {
  const QFileInfoList left = QDir(dir).entryInfoList(
      {kPrefix + QLatin1Char('*')}, QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
  for (const QFileInfo& fi : left) deleteLater(fi.absoluteFilePath());
}

void setBackgroundRemovalHookForTests(std::function<void(const QString&)> h) {
  QMutexLocker lock(&hookMutex);
  hook = std::move(h);
}

void waitForBackgroundRemovals() {
  pool().waitForDone();
}

}  // namespace coil::hub
