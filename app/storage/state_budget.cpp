// StateStore: the disk budget and eviction.
#include "database.hpp"
#include "state_store.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

namespace coil::storage {

namespace {
constexpr const char* kBudgetKey = "state_budget_bytes";
}

qint64 StateStore::budgetBytes() const {
  Statement st = db_.prepare("SELECT value FROM settings WHERE key = ?");
  st.bindAll(kBudgetKey);
  if (!st.step()) return kDefaultBudgetBytes;
  bool ok = false;
  const qint64 v = st.text(0).toLongLong(&ok);
  return ok && v >= 0 ? v : kDefaultBudgetBytes;
}

void StateStore::setBudgetBytes(qint64 bytes) {
  if (bytes < 0)
    throw StorageError(QStringLiteral("the state budget cannot be negative"),
                       StorageError::Kind::Invalid);
  db_.run("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", kBudgetKey,
          QString::number(bytes));
  evictToBudget();
}

StateUsage StateStore::usage() const {
  StateUsage u;
  u.budgetBytes = budgetBytes();
  Statement st = db_.prepare(
      "SELECT is_latest, COUNT(*), TOTAL(bytes) FROM state_checkpoints GROUP BY is_latest");
  while (st.step()) {
    const bool latest = st.int64(0) != 0;
    (latest ? u.latestCount : u.checkpointCount) = int(st.int64(1));
    (latest ? u.latestBytes : u.checkpointBytes) = qint64(st.real(2));
  }
  u.totalBytes = u.latestBytes + u.checkpointBytes;
  return u;
}

qint64 StateStore::bytesOfConversation(qint64 conversationId) const {
  return db_.queryInt("SELECT SUM(bytes) FROM state_checkpoints WHERE conversation_id = ?", 0,
                      conversationId);
}

int StateStore::evictToBudget() {
  const qint64 budget = budgetBytes();
  QStringList files;
  {
    Transaction tx(db_);
    qint64 total = db_.queryInt("SELECT SUM(bytes) FROM state_checkpoints", 0);
    if (total <= budget) return 0;
    // A chat's recency is the last use of any of its states (saving counts as a use).
    Statement st = db_.prepare(R"sql(
      SELECT s.id, s.file, s.bytes FROM state_checkpoints s
      JOIN (SELECT conversation_id, MAX(last_used_at) AS chat_used
            FROM state_checkpoints GROUP BY conversation_id) c USING (conversation_id)
      WHERE s.is_latest = 0
      ORDER BY c.chat_used, s.conversation_id, s.last_used_at, s.id)sql");
    struct Victim {
      qint64 id, bytes;
      QString file;
    };
    QList<Victim> victims;
    while (total > budget && st.step()) {
      victims.append({st.int64(0), st.int64(2), st.text(1)});
      total -= st.int64(2);
    }
    Statement del = db_.prepare("DELETE FROM state_checkpoints WHERE id = ?");
    for (const Victim& v : victims) {
      del.reset();
      del.bindAll(v.id);
      del.exec();
      files << v.file;
    }
    tx.commit();
  }
  removeFiles(files);
  return int(files.size());
}

}  // namespace coil::storage
