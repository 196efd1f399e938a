// Crash-safe file writes for the storage: coil::write_file_atomically (the engine's one
// implementation, coil/atomic_file.hpp) with its errors as StorageError.
#pragma once
#include <QByteArray>
#include <QString>

#include "coil/atomic_file.hpp"

namespace coil::storage {

// Throws StorageError (Kind::DiskFull when the disk is full) and leaves no temporary file.
void writeFileAtomically(const QString& path, const QByteArray& data);
// fsync of a folder, so that renames and deletions in it are durable.
void syncDirectory(const QString& dir);

}  // namespace coil::storage
