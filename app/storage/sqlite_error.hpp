// Internal: turns an SQLite result code into a StorageError.
#pragma once
#include <string_view>

struct sqlite3;

namespace coil::storage {

[[noreturn]] void throwSqliteError(sqlite3* db, int rc, std::string_view context);
// Throws when rc is not SQLITE_OK / SQLITE_ROW / SQLITE_DONE.
void checkSqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace coil::storage
