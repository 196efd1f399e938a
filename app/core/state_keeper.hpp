// The worker thread's access to saved recurrent states: the engine's .coilstate bytes and
// the exact template text each state covers go to coil_storage's StateStore (its own SQLite
// connection, on the worker thread): the bytes as a file under states/, the text in the
// checkpoint's row, recorded by the same statement.
#pragma once
#include <QString>
#include <memory>
#include <optional>
#include <string>

#include "coil/state.hpp"
#include "state_types.hpp"

namespace coil::storage {
class Database;
class StateStore;
}  // namespace coil::storage

namespace coil::app {

class StateKeeper {
 public:
  // An empty dataDir gives a keeper that saves nothing and finds nothing. The database
  // must already be at the current schema (Storage migrates it when the app opens it).
  explicit StateKeeper(const QString& dataDir);
  ~StateKeeper();

  bool enabled() const { return store_ != nullptr; }

  // Throws storage::StorageError (Kind::DiskFull when the disk is full).
  // makeLatest false: a checkpoint beside the chat's latest state (e.g. right after a
  // document), evictable within the budget.
  storage::Checkpoint save(qint64 conversationId, qint64 messageId, const RecurrentState& state,
                           const std::string& coveredText, bool makeLatest = true);

  std::optional<storage::Checkpoint> nearest(qint64 conversationId, qint64 messageId,
                                             quint64 fingerprint) const;

  struct Loaded {
    std::shared_ptr<const MappedStateFile> file;  // the state file, which `state` points into
    StateView state;
    std::string coveredText;
  };
  // Reads and checks a checkpoint. Throws coil::Error or storage::StorageError with the
  // reason when the state cannot be used (corrupt, truncated, another model, no text, a
  // file that is not the one its row describes).
  Loaded load(const storage::Checkpoint& checkpoint, quint64 fingerprint) const;

  void markUsed(qint64 checkpointId);
  void discard(qint64 checkpointId);

 private:
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::StateStore> store_;
};

}  // namespace coil::app
