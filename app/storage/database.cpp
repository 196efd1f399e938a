#include "database.hpp"

#include <sqlite3.h>

#include "sqlite_error.hpp"
#include "storage_error.hpp"

namespace coil::storage {

namespace {
constexpr int kBusyTimeoutMs = 5000;
}

Database::Database(const QString& path) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.toUtf8().constData(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const QString detail = QString::fromUtf8(db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError(QStringLiteral("cannot open database %1: %2").arg(path, detail));
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    exec("PRAGMA foreign_keys = ON");
    if (path != QLatin1String(":memory:") && !path.isEmpty()) {
      // Reading the schema here also makes a file that is not a database fail at open.
      Statement wal = prepare("PRAGMA journal_mode = WAL");
      if (!wal.step() || wal.text(0) != QLatin1String("wal"))
        throw StorageError(QStringLiteral("cannot enable WAL mode on %1").arg(path));
    }
    exec("PRAGMA synchronous = FULL");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  checkSqlite(db_, rc, sql);
}

Statement Database::prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) throwSqliteError(db_, rc, sql);
  return Statement(db_, stmt);
}

qint64 Database::lastInsertId() const {
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

bool Database::inTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

int Database::userVersion() const {
  return int(queryInt("PRAGMA user_version", 0));
}

void Database::setUserVersion(int version) {
  exec("PRAGMA user_version = " + std::to_string(version));
}

QString Database::journalMode() const {
  Statement st = prepare("PRAGMA journal_mode");
  return st.step() ? st.text(0) : QString();
}

QStringList Database::integrityCheck() const {
  QStringList rows;
  Statement st = prepare("PRAGMA integrity_check");
  while (st.step()) rows << st.text(0);
  return rows;
}

QStringList Database::foreignKeyCheck() const {
  QStringList rows;
  Statement st = prepare("PRAGMA foreign_key_check");
  while (st.step())
    rows << QStringLiteral("%1 rowid %2 -> %3").arg(st.text(0)).arg(st.int64(1)).arg(st.text(2));
  return rows;
}

}  // namespace coil::storage
