// Errors of the storage layer. Every public function of coil_storage reports failure by
// throwing one of these; the message is readable as-is in a banner.
#pragma once
#include <QString>
#include <stdexcept>

namespace coil::storage {

class StorageError : public std::runtime_error {
 public:
  enum class Kind { Generic, DiskFull, Busy, Corrupt, NotFound, Invalid, TooNew };
  explicit StorageError(const QString& message, Kind kind = Kind::Generic)
      : std::runtime_error(message.toStdString()), kind_(kind) {}
  Kind kind() const { return kind_; }
  QString message() const { return QString::fromStdString(what()); }

 private:
  Kind kind_;
};

// Malformed or unsupported import file; nothing was imported.
class ImportError : public StorageError {
 public:
  explicit ImportError(const QString& message) : StorageError(message, Kind::Invalid) {}
};

}  // namespace coil::storage
