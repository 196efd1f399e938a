// A small RAII wrapper over one SQLite connection (the C API).
//
// Opening applies the connection settings every Coil database uses:
//   foreign_keys = ON, journal_mode = WAL (files only), synchronous = FULL, busy_timeout.
// synchronous = FULL: in WAL mode every commit fsyncs the WAL, so a committed message
// survives a power cut as well as a killed process (NORMAL would only guarantee the
// database is not corrupt, possibly losing the last commits). Commits are rare (a few per
// chat turn), so the fsync costs nothing the user notices.
//
// A connection is used from one thread at a time.
#pragma once
#include <QString>
#include <QStringList>
#include <string_view>

#include "statement.hpp"

struct sqlite3;

namespace coil::storage {

class Database {
 public:
  // path: a file (created if missing) or ":memory:".
  explicit Database(const QString& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows.
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) const;

  // Prepares, binds the arguments in order, steps to completion.
  template <class... Args>
  void run(std::string_view sql, const Args&... args) {
    Statement st = prepare(sql);
    st.bindAll(args...);
    st.exec();
  }
  // First column of the first row, or `fallback` when there is no row or it is NULL.
  template <class... Args>
  qint64 queryInt(std::string_view sql, qint64 fallback, const Args&... args) const {
    Statement st = prepare(sql);
    st.bindAll(args...);
    return st.step() && !st.isNull(0) ? st.int64(0) : fallback;
  }

  qint64 lastInsertId() const;
  int changes() const;
  bool inTransaction() const;
  int userVersion() const;
  void setUserVersion(int version);
  QString journalMode() const;
  QString path() const { return path_; }
  // PRAGMA integrity_check rows ("ok" alone when the file is sound) and
  // PRAGMA foreign_key_check violations (empty when consistent).
  QStringList integrityCheck() const;
  QStringList foreignKeyCheck() const;

  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  QString path_;
};

}  // namespace coil::storage
