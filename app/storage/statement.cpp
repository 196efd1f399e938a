#include "statement.hpp"

#include <sqlite3.h>

#include "sqlite_error.hpp"

namespace coil::storage {

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

void Statement::bind(int index, std::nullptr_t) {
  checkSqlite(db_, sqlite3_bind_null(stmt_, index), sqlite3_sql(stmt_));
}

void Statement::bindInt64(int index, qint64 value) {
  checkSqlite(db_, sqlite3_bind_int64(stmt_, index, value), sqlite3_sql(stmt_));
}

void Statement::bind(int index, double value) {
  checkSqlite(db_, sqlite3_bind_double(stmt_, index, value), sqlite3_sql(stmt_));
}

void Statement::bind(int index, const QString& value) {
  const QByteArray utf8 = value.toUtf8();
  checkSqlite(db_,
              sqlite3_bind_text(stmt_, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT),
              sqlite3_sql(stmt_));
}

void Statement::bind(int index, const QByteArray& blob) {
  checkSqlite(db_,
              sqlite3_bind_blob(stmt_, index, blob.constData(), int(blob.size()), SQLITE_TRANSIENT),
              sqlite3_sql(stmt_));
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throwSqliteError(db_, rc, sqlite3_sql(stmt_));
}

void Statement::exec() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

qint64 Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

double Statement::real(int col) const {
  return sqlite3_column_double(stmt_, col);
}

QString Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? QString::fromUtf8(p, sqlite3_column_bytes(stmt_, col)) : QString();
}

QByteArray Statement::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? QByteArray(p, sqlite3_column_bytes(stmt_, col)) : QByteArray();
}

std::optional<qint64> Statement::optInt64(int col) const {
  if (isNull(col)) return std::nullopt;
  return int64(col);
}

std::optional<double> Statement::optReal(int col) const {
  if (isNull(col)) return std::nullopt;
  return real(col);
}

}  // namespace coil::storage
