#include "sqlite_error.hpp"

#include <sqlite3.h>

#include "storage_error.hpp"

namespace coil::storage {

namespace {

StorageError::Kind kindOf(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return StorageError::Kind::DiskFull;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StorageError::Kind::Busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StorageError::Kind::Corrupt;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      return StorageError::Kind::Invalid;
    default:
      return StorageError::Kind::Generic;
  }
}

}  // namespace

void throwSqliteError(sqlite3* db, int rc, std::string_view context) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  QString ctx = QString::fromUtf8(context.data(), qsizetype(context.size())).simplified();
  if (ctx.size() > 120) ctx = ctx.left(117) + QStringLiteral("...");
  throw StorageError(QStringLiteral("database error: %1 (%2)").arg(QString::fromUtf8(detail), ctx),
                     kindOf(rc));
}

void checkSqlite(sqlite3* db, int rc, std::string_view context) {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) throwSqliteError(db, rc, context);
}

}  // namespace coil::storage
