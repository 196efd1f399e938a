#include "transaction.hpp"

#include <atomic>

#include "database.hpp"

namespace coil::storage {

namespace {
std::atomic<unsigned> g_savepointCounter{0};
}

Transaction::Transaction(Database& db) : db_(db) {
  if (db_.inTransaction()) {
    savepoint_ = QStringLiteral("coil_sp_%1").arg(++g_savepointCounter);
    db_.exec(("SAVEPOINT " + savepoint_).toStdString());
  } else {
    db_.exec("BEGIN IMMEDIATE");
  }
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    if (savepoint_.isEmpty()) {
      if (db_.inTransaction()) db_.exec("ROLLBACK");
    } else {
      db_.exec(("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_).toStdString());
    }
  } catch (...) {
    // A failed rollback leaves SQLite to roll back on close; nothing more to do here.
  }
}

void Transaction::commit() {
  if (savepoint_.isEmpty())
    db_.exec("COMMIT");
  else
    db_.exec(("RELEASE " + savepoint_).toStdString());
  done_ = true;
}

}  // namespace coil::storage
