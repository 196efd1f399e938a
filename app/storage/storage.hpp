// Everything stored in one data folder, opened together:
//   <dataDir>/coil.db       the SQLite database (WAL: also coil.db-wal, coil.db-shm)
//   <dataDir>/states/       the recurrent-state files
// Opening creates the folder, migrates the schema, moves the covered/*.txt texts of older
// versions into the database (legacy_covered_text.hpp) and removes orphan state files/rows.
// One Storage per data folder per process; use it from one thread at a time.
#pragma once
#include <QString>
#include <memory>

#include "chat_store.hpp"
#include "clock.hpp"
#include "database.hpp"
#include "state_store.hpp"

namespace coil::storage {

struct StorageOptions {
  Clock clock = systemClock();
  bool cleanOrphans = true;  // remove orphan state files / rows at open
};

class Storage {
 public:
  using Options = StorageOptions;
  static constexpr char kDatabaseFile[] = "coil.db";

  // Throws StorageError with a readable reason (folder not writable, not a database,
  // schema newer than this build...).
  explicit Storage(const QString& dataDir, Options options = Options());
  // An in-memory database with no data folder (states cannot be saved). For tests.
  static std::unique_ptr<Storage> inMemory(Clock clock = systemClock());

  const QString& dataDir() const { return dataDir_; }
  Database& db() { return *db_; }
  ChatStore& chats() { return *chats_; }
  StateStore& states() { return *states_; }
  // What the orphan cleanup at open removed.
  const OrphanReport& openReport() const { return openReport_; }
  // How many covered/*.txt texts of an older version the opening imported.
  int legacyTextsImported() const { return legacyTextsImported_; }

 private:
  Storage(const QString& dataDir, const QString& dbPath, Options options);

  QString dataDir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ChatStore> chats_;
  std::unique_ptr<StateStore> states_;
  OrphanReport openReport_;
  int legacyTextsImported_ = 0;
};

}  // namespace coil::storage
