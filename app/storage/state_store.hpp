// Recurrent-state checkpoints: the engine's .coilstate bytes (opaque here) stored as files
// under <dataDir>/states/, indexed in the state_checkpoints table, whose row also holds the
// text the state covers (covered_text).
//
// Crash safety: a file is written completely (temp + fsync + rename + fsync folder) before
// its row is committed, and a row is deleted (committed) before its file is unlinked. So a
// row never points to a missing or partial file; a crash can only leave orphan files,
// which cleanOrphans() (run by Storage at open) removes.
//
// Budget: the latest state of every chat is always kept. Other checkpoints are kept while
// the total stays within the budget; above it, the checkpoints of the least recently used
// chats go first, oldest-used first within a chat.
#pragma once
#include <QByteArray>
#include <QList>
#include <optional>

#include "clock.hpp"
#include "state_types.hpp"

namespace coil::storage {

class Database;

class StateStore {
 public:
  static constexpr qint64 kDefaultBudgetBytes = qint64(2) << 30;  // 2 GiB
  static constexpr char kStatesFolder[] = "states";

  StateStore(Database& db, QString dataDir, Clock clock = systemClock());

  // Writes the bytes crash-safely and records them. With info.makeLatest (the default)
  // the new state becomes the chat's latest. A checkpoint of the same chat, message and
  // model is replaced. Then evicts down to the budget. Throws StorageError
  // (Kind::DiskFull when the disk is full); nothing is recorded then.
  Checkpoint save(const StateInfo& info, const QByteArray& bytes);

  // The chat's latest state; with a fingerprint != 0, only if saved by that model.
  std::optional<Checkpoint> latest(qint64 conversationId, quint64 fingerprint = 0) const;
  // The checkpoint closest to messageId on the path root -> messageId (messageId itself
  // included), else a checkpoint taken before the first message; fingerprint as above.
  std::optional<Checkpoint> nearestAtOrBefore(qint64 conversationId, qint64 messageId,
                                              quint64 fingerprint = 0) const;
  std::optional<Checkpoint> checkpoint(qint64 id) const;
  // Every checkpoint of a chat, oldest first.
  QList<Checkpoint> checkpoints(qint64 conversationId) const;

  QString absolutePath(const Checkpoint& c) const;
  // The file's bytes; throws if it cannot be read.
  QByteArray read(const Checkpoint& c) const;
  // The file's bytes and the covered text of its row. Throws StorageError: NotFound when
  // the row or the file is gone (e.g. evicted meanwhile), Corrupt for a file of the wrong
  // size.
  StoredState load(const Checkpoint& c) const;
  // The covered text of the checkpoint's row alone (nullopt: saved without it); throws
  // StorageError NotFound when the row is gone.
  std::optional<QByteArray> coveredText(const Checkpoint& c) const;
  // Records that the checkpoint was just restored (LRU order for eviction).
  void markUsed(qint64 checkpointId);
  // Removes a checkpoint (e.g. one that failed the engine's checks) and its file.
  void discard(qint64 checkpointId);

  qint64 budgetBytes() const;
  // Persists the budget (in the database) and evicts down to it at once.
  void setBudgetBytes(qint64 bytes);
  StateUsage usage() const;
  qint64 bytesOfConversation(qint64 conversationId) const;
  // Removes checkpoints until the total fits the budget; returns how many were removed.
  int evictToBudget();
  // Deletes rows whose file is missing or has the wrong size, and files (including
  // temporaries of interrupted writes) that no row points to. Only safe while no other
  // process writes to the same data folder.
  OrphanReport cleanOrphans();

 private:
  void removeFiles(const QStringList& relativePaths) const;

  Database& db_;
  QString dataDir_;
  Clock clock_;
};

}  // namespace coil::storage
