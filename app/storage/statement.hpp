// A prepared SQLite statement (RAII). Parameters are 1-based, columns 0-based.
#pragma once
#include <QByteArray>
#include <QString>
#include <concepts>
#include <optional>

struct sqlite3_stmt;
struct sqlite3;

namespace coil::storage {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  void bind(int index, std::nullptr_t);
  template <std::integral T>  // bool binds as 0 / 1
  void bind(int index, T value) {
    bindInt64(index, static_cast<qint64>(value));
  }
  void bind(int index, double value);
  void bind(int index, const QString& value);
  void bind(int index, const char* value) { bind(index, QString::fromUtf8(value)); }
  void bind(int index, const QByteArray& blob);
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value)
      bind(index, *value);
    else
      bind(index, nullptr);
  }
  template <class... Args>
  void bindAll(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
  }

  // Steps once: true when a row is available, false when done. Throws on error.
  bool step();
  // Steps to completion, ignoring rows.
  void exec();
  void reset();

  bool isNull(int col) const;
  qint64 int64(int col) const;
  double real(int col) const;
  QString text(int col) const;
  QByteArray blob(int col) const;
  std::optional<qint64> optInt64(int col) const;
  std::optional<double> optReal(int col) const;

 private:
  void bindInt64(int index, qint64 value);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace coil::storage
