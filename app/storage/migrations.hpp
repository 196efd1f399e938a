// Numbered schema migrations. Version k of the schema is what migrations 1..k create;
// `PRAGMA user_version` records the version a database is at. A migration is never edited
// once released: a change is a new migration appended to the list.
#pragma once
#include <span>

namespace coil::storage {

class Database;

struct Migration {
  int version;       // 1, 2, 3, ... in order
  const char* what;  // one line, for error messages
  const char* sql;   // run in one transaction together with the user_version update
};

std::span<const Migration> migrations();
int latestSchemaVersion();

// Brings `db` from its user_version up to `target` (default: the latest), each step in its
// own transaction. Throws StorageError (Kind::TooNew) for a database newer than this
// build, leaving it untouched.
void migrate(Database& db, int target = -1);

}  // namespace coil::storage
