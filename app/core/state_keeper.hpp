// The worker thread's access to saved recurrent states: the engine's .coilstate bytes go
// to coil_storage's StateStore (its own SQLite connection, on the worker thread), and the
// exact template text each state covers goes to a small file beside the data folder's
// states/ (covered/<state file name>.txt), bound to its state by the token-sequence hash.
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
  static constexpr char kCoveredFolder[] = "covered";

  // An empty dataDir gives a keeper that saves nothing and finds nothing.
  explicit StateKeeper(const QString& dataDir);
  ~StateKeeper();

  bool enabled() const { return store_ != nullptr; }

  // Throws storage::StorageError (Kind::DiskFull when the disk is full).
  storage::Checkpoint save(qint64 conversationId, qint64 messageId, const RecurrentState& state,
                           const std::string& coveredText);

  std::optional<storage::Checkpoint> nearest(qint64 conversationId, qint64 messageId,
                                             quint64 fingerprint) const;

  struct Loaded {
    RecurrentState state;
    std::string coveredText;
  };
  // Reads and checks a checkpoint. Throws coil::Error or storage::StorageError with the
  // reason when the state cannot be used (corrupt, truncated, another model, no text).
  Loaded load(const storage::Checkpoint& checkpoint, quint64 fingerprint) const;

  void markUsed(qint64 checkpointId);
  void discard(qint64 checkpointId);
  // Removes covered-text files whose state file is gone.
  int removeStaleTexts() const;

 private:
  QString coveredPath(const storage::Checkpoint& checkpoint) const;

  QString dataDir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::StateStore> store_;
};

}  // namespace coil::app
