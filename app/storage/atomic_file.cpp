#include "atomic_file.hpp"

#include <QFile>
#include <cerrno>

#include "storage_error.hpp"

namespace coil::storage {

namespace {

[[noreturn]] void rethrow(const FileError& e) {
  const int err = e.error_number();
  throw StorageError(QString::fromUtf8(e.what()), err == ENOSPC || err == EDQUOT
                                                      ? StorageError::Kind::DiskFull
                                                      : StorageError::Kind::Generic);
}

std::filesystem::path native(const QString& path) {
  return std::filesystem::path(QFile::encodeName(path).toStdString());
}

}  // namespace

void syncDirectory(const QString& dir) {
  try {
    sync_directory(native(dir));
  } catch (const FileError& e) {
    rethrow(e);
  }
}

void writeFileAtomically(const QString& path, const QByteArray& data) {
  try {
    write_file_atomically(native(path), data.constData(), size_t(data.size()));
  } catch (const FileError& e) {
    rethrow(e);
  }
}

}  // namespace coil::storage
