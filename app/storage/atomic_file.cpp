#include "atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <cerrno>
#include <cstring>

#include "storage_error.hpp"

namespace coil::storage {

namespace {

[[noreturn]] void fail(const QString& what, const QString& path, int err) {
  throw StorageError(
      QStringLiteral("cannot %1 %2: %3")
          .arg(what, path, QString::fromLocal8Bit(std::strerror(err))),
      err == ENOSPC || err == EDQUOT ? StorageError::Kind::DiskFull : StorageError::Kind::Generic);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void writeAll(int fd, const QByteArray& data, const QString& path) {
  const char* p = data.constData();
  qsizetype left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, size_t(left));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(QStringLiteral("write"), path, errno);
    }
    p += n;
    left -= n;
  }
}

}  // namespace

void syncDirectory(const QString& dir) {
  Fd fd(::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail(QStringLiteral("open folder"), dir, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) fail(QStringLiteral("sync folder"), dir, errno);
}

void writeFileAtomically(const QString& path, const QByteArray& data) {
  const QString tmp = path + QLatin1String(kTempFileMarker) +
                      QString::number(QCoreApplication::applicationPid()) + QLatin1Char('-') +
                      QString::number(QRandomGenerator::global()->generate64(), 16);
  const QByteArray tmpName = QFile::encodeName(tmp);
  Fd fd(::open(tmpName.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail(QStringLiteral("create"), tmp, errno);
  try {
    writeAll(fd.get(), data, tmp);
    if (::fsync(fd.get()) != 0) fail(QStringLiteral("sync"), tmp, errno);
    if (::close(fd.release()) != 0) fail(QStringLiteral("close"), tmp, errno);
    if (::rename(tmpName.constData(), QFile::encodeName(path).constData()) != 0)
      fail(QStringLiteral("rename to"), path, errno);
  } catch (...) {
    ::unlink(tmpName.constData());
    throw;
  }
  syncDirectory(QFileInfo(path).absolutePath());
}

}  // namespace coil::storage
