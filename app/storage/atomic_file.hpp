// Crash-safe file writes: the data goes to a temporary file in the same folder, which is
// fsynced, renamed over the target and the folder fsynced. A crash at any instant leaves
// the old file (or none) or the complete new one, plus at worst a stray "*.tmp-*" file.
#pragma once
#include <QByteArray>
#include <QString>

namespace coil::storage {

// The suffix every temporary file carries (cleaned up by StateStore at open).
inline constexpr char kTempFileMarker[] = ".tmp-";

// Throws StorageError (Kind::DiskFull when the disk is full) and leaves no temporary file.
void writeFileAtomically(const QString& path, const QByteArray& data);
// fsync of a folder, so that renames and deletions in it are durable.
void syncDirectory(const QString& dir);

}  // namespace coil::storage
