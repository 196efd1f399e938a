// StateStore: saving, looking up and reading checkpoints.
#include "state_store.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSet>

#include "atomic_file.hpp"
#include "database.hpp"
#include "state_rows.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

namespace coil::storage {

using namespace rows;

namespace {

std::string selectCheckpoints(const char* rest) {
  return std::string("SELECT ") + kCheckpointColumns + " FROM state_checkpoints s " + rest;
}

std::optional<qint64> nullIfZero(qint64 id) {
  if (id == 0) return std::nullopt;
  return id;
}

}  // namespace

StateStore::StateStore(Database& db, QString dataDir, Clock clock)
    : db_(db), dataDir_(std::move(dataDir)), clock_(clock ? std::move(clock) : systemClock()) {}

QString StateStore::absolutePath(const Checkpoint& c) const {
  return QDir(dataDir_).filePath(c.file);
}

Checkpoint StateStore::save(const StateInfo& info, const QByteArray& bytes) {
  if (dataDir_.isEmpty()) throw StorageError(QStringLiteral("no data folder to save states in"));
  const QDir dir(dataDir_);
  if (!dir.mkpath(QLatin1String(kStatesFolder)))
    throw StorageError(QStringLiteral("cannot create %1").arg(dir.filePath(kStatesFolder)));
  const QString rel = QStringLiteral("%1/c%2-m%3-%4.coilstate")
                          .arg(QLatin1String(kStatesFolder))
                          .arg(info.conversationId)
                          .arg(info.messageId)
                          .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
  const QString abs = dir.filePath(rel);
  writeFileAtomically(abs, bytes);

  QStringList replaced;
  Checkpoint c;
  try {
    Transaction tx(db_);
    if (db_.queryInt("SELECT 1 FROM conversations WHERE id = ?", 0, info.conversationId) == 0)
      throw StorageError(QStringLiteral("no conversation with id %1").arg(info.conversationId),
                         StorageError::Kind::NotFound);
    if (info.messageId != 0 && db_.queryInt("SELECT conversation_id FROM messages WHERE id = ?", 0,
                                            info.messageId) != info.conversationId)
      throw StorageError(QStringLiteral("message %1 is not in conversation %2")
                             .arg(info.messageId)
                             .arg(info.conversationId),
                         StorageError::Kind::Invalid);
    Statement old = db_.prepare(
        "SELECT file, is_latest FROM state_checkpoints WHERE conversation_id = ? AND "
        "message_id IS ? AND model_fingerprint = ?");
    old.bindAll(info.conversationId, nullIfZero(info.messageId), qint64(info.modelFingerprint));
    bool replacedLatest = false;
    while (old.step()) {
      replaced << old.text(0);
      replacedLatest |= old.int64(1) != 0;
    }
    db_.run(
        "DELETE FROM state_checkpoints WHERE conversation_id = ? AND message_id IS ? AND "
        "model_fingerprint = ?",
        info.conversationId, nullIfZero(info.messageId), qint64(info.modelFingerprint));
    const bool latest = info.makeLatest || replacedLatest;
    if (latest)
      db_.run("UPDATE state_checkpoints SET is_latest = 0 WHERE conversation_id = ?",
              info.conversationId);
    const qint64 t = clock_();
    db_.run(
        "INSERT INTO state_checkpoints (conversation_id, message_id, file, bytes, token_count, "
        "token_hash, model_fingerprint, is_latest, created_at, last_used_at, covered_text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        info.conversationId, nullIfZero(info.messageId), rel, qint64(bytes.size()), info.tokenCount,
        qint64(info.tokenHash), qint64(info.modelFingerprint), latest, t, t, info.coveredText);
    c = {db_.lastInsertId(),
         info.conversationId,
         info.messageId,
         rel,
         qint64(bytes.size()),
         info.tokenCount,
         info.tokenHash,
         info.modelFingerprint,
         latest,
         t,
         t};
    tx.commit();
  } catch (...) {
    QFile::remove(abs);
    throw;
  }
  removeFiles(replaced);
  evictToBudget();
  return c;
}

std::optional<Checkpoint> StateStore::latest(qint64 conversationId, quint64 fingerprint) const {
  Statement st = db_.prepare(selectCheckpoints(
      "WHERE s.conversation_id = ? AND s.is_latest = 1 AND (? = 0 OR s.model_fingerprint = ?)"));
  st.bindAll(conversationId, qint64(fingerprint), qint64(fingerprint));
  if (!st.step()) return std::nullopt;
  return readCheckpoint(st);
}

std::optional<Checkpoint> StateStore::nearestAtOrBefore(qint64 conversationId, qint64 messageId,
                                                        quint64 fingerprint) const {
  Statement st = db_.prepare(std::string(R"sql(
    WITH RECURSIVE up(id, depth) AS (
      SELECT ?1, 0
      UNION ALL
      SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id
      WHERE m.parent_id IS NOT NULL)
    SELECT )sql") + kCheckpointColumns +
                             R"sql(
    FROM state_checkpoints s LEFT JOIN up ON s.message_id = up.id
    WHERE s.conversation_id = ?2 AND (?3 = 0 OR s.model_fingerprint = ?3)
      AND (up.id IS NOT NULL OR s.message_id IS NULL)
    ORDER BY up.depth IS NULL, up.depth, s.id DESC
    LIMIT 1)sql");
  st.bindAll(messageId, conversationId, qint64(fingerprint));
  if (!st.step()) return std::nullopt;
  return readCheckpoint(st);
}

std::optional<Checkpoint> StateStore::checkpoint(qint64 id) const {
  Statement st = db_.prepare(selectCheckpoints("WHERE s.id = ?"));
  st.bindAll(id);
  if (!st.step()) return std::nullopt;
  return readCheckpoint(st);
}

QList<Checkpoint> StateStore::checkpoints(qint64 conversationId) const {
  Statement st = db_.prepare(selectCheckpoints("WHERE s.conversation_id = ? ORDER BY s.id"));
  st.bindAll(conversationId);
  QList<Checkpoint> out;
  while (st.step()) out << readCheckpoint(st);
  return out;
}

QByteArray StateStore::read(const Checkpoint& c) const {
  QFile f(absolutePath(c));
  if (!f.open(QIODevice::ReadOnly))
    throw StorageError(
        QStringLiteral("cannot read state file %1: %2").arg(f.fileName(), f.errorString()),
        StorageError::Kind::NotFound);
  // The size is checked before anything is read: the file may be anything by now.
  if (f.size() != c.bytes)
    throw StorageError(QStringLiteral("state file %1 has %2 bytes, expected %3")
                           .arg(f.fileName())
                           .arg(f.size())
                           .arg(c.bytes),
                       StorageError::Kind::Corrupt);
  QByteArray data = f.read(c.bytes);
  if (data.size() != c.bytes)
    throw StorageError(QStringLiteral("state file %1 has %2 bytes, expected %3")
                           .arg(f.fileName())
                           .arg(data.size())
                           .arg(c.bytes),
                       StorageError::Kind::Corrupt);
  return data;
}

std::optional<QByteArray> StateStore::coveredText(const Checkpoint& c) const {
  Statement st =
      db_.prepare("SELECT covered_text FROM state_checkpoints WHERE id = ? AND file = ?");
  st.bindAll(c.id, c.file);
  if (!st.step())
    throw StorageError(QStringLiteral("the saved state %1 is no longer recorded").arg(c.file),
                       StorageError::Kind::NotFound);
  // A zero-length blob reads back as NULL from sqlite3_column_blob: ask the type instead.
  if (st.isNull(0)) return std::nullopt;
  return st.blob(0);
}

StoredState StateStore::load(const Checkpoint& c) const {
  StoredState out;
  out.coveredText = coveredText(c);
  out.bytes = read(c);
  return out;
}

void StateStore::markUsed(qint64 checkpointId) {
  db_.run("UPDATE state_checkpoints SET last_used_at = ? WHERE id = ?", clock_(), checkpointId);
}

void StateStore::discard(qint64 checkpointId) {
  const auto c = checkpoint(checkpointId);
  if (!c) return;
  db_.run("DELETE FROM state_checkpoints WHERE id = ?", checkpointId);
  removeFiles({c->file});
}

void StateStore::removeFiles(const QStringList& relativePaths) const {
  // Under an outer transaction the deletion may still be rolled back: keep the files
  // (an unreferenced one is an orphan, cleaned at the next open).
  if (relativePaths.isEmpty() || db_.inTransaction()) return;
  const QDir dir(dataDir_);
  for (const QString& rel : relativePaths) QFile::remove(dir.filePath(rel));
}

}  // namespace coil::storage

// StateStore: the disk budget and eviction.
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

// StateStore: reconciling the state_checkpoints rows with the files on disk.
namespace coil::storage {

OrphanReport StateStore::cleanOrphans() {
  OrphanReport report;
  if (dataDir_.isEmpty()) return report;
  const QDir dir(dataDir_);
  QSet<QString> referenced;
  {
    Transaction tx(db_);
    QList<qint64> bad;
    Statement st = db_.prepare("SELECT id, file, bytes FROM state_checkpoints");
    while (st.step()) {
      const QFileInfo fi(dir.filePath(st.text(1)));
      if (!fi.isFile() || fi.size() != st.int64(2))
        bad << st.int64(0);
      else
        referenced.insert(QDir::cleanPath(st.text(1)));
    }
    Statement del = db_.prepare("DELETE FROM state_checkpoints WHERE id = ?");
    for (qint64 id : bad) {
      del.reset();
      del.bindAll(id);
      del.exec();
    }
    tx.commit();
    report.rowsRemoved = int(bad.size());
  }
  const QString states = dir.filePath(QLatin1String(kStatesFolder));
  QDirIterator it(states, QDir::Files | QDir::Hidden | QDir::System);
  while (it.hasNext()) {
    const QString abs = it.next();
    if (referenced.contains(QDir::cleanPath(dir.relativeFilePath(abs)))) continue;
    if (QFile::remove(abs)) ++report.filesRemoved;
  }
  if (report.filesRemoved > 0) syncDirectory(states);
  return report;
}

}  // namespace coil::storage
