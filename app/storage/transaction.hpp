// RAII transaction: rolls back unless commit() is called. The outermost one is
// BEGIN IMMEDIATE (takes the write lock at once, so it never fails half-way with BUSY);
// nested ones are savepoints, so functions that each use a Transaction compose into one
// atomic unit when called under an outer Transaction.
#pragma once
#include <QString>

namespace coil::storage {

class Database;

class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Database& db_;
  QString savepoint_;  // empty for the outermost transaction
  bool done_ = false;
};

}  // namespace coil::storage
