// StateKeeper: saving and loading states with their covered text through the StateStore.
#include "state_keeper.hpp"

#include <QDir>
#include <QFileInfo>
#include <filesystem>

#include "coil/error.hpp"
#include "database.hpp"
#include "state_store.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

namespace coil::app {

StateKeeper::StateKeeper(const QString& dataDir) {
  if (dataDir.isEmpty()) return;
  db_ = std::make_unique<storage::Database>(
      QDir(dataDir).filePath(QLatin1String(storage::Storage::kDatabaseFile)));
  store_ = std::make_unique<storage::StateStore>(*db_, dataDir);
}

StateKeeper::~StateKeeper() = default;

storage::Checkpoint StateKeeper::save(qint64 conversationId, qint64 messageId,
                                      const RecurrentState& state, const std::string& coveredText) {
  if (!store_) throw storage::StorageError(QStringLiteral("no data folder to save states in"));
  const auto bytes = serialize_state(state);
  storage::StateInfo info;
  info.conversationId = conversationId;
  info.messageId = messageId;
  info.tokenCount = state.n_tokens;
  info.tokenHash = state.token_hash;
  info.modelFingerprint = state.model_fingerprint;
  info.coveredText = QByteArray::fromStdString(coveredText);
  // a view of the serialized bytes, not a third copy of the 38 MiB payload (save() only
  // writes them out during the call)
  return store_->save(info, QByteArray::fromRawData(reinterpret_cast<const char*>(bytes.data()),
                                                    qsizetype(bytes.size())));
}

std::optional<storage::Checkpoint> StateKeeper::nearest(qint64 conversationId, qint64 messageId,
                                                        quint64 fingerprint) const {
  if (!store_) return std::nullopt;
  return store_->nearestAtOrBefore(conversationId, messageId, fingerprint);
}

StateKeeper::Loaded StateKeeper::load(const storage::Checkpoint& c, quint64 fingerprint) const {
  const std::optional<QByteArray> text = store_->coveredText(c);
  Loaded out;
  // mapped and checked in place: restoring uploads from the file's pages (a 7B state is
  // 38 MiB; reading it into a buffer first cost more than the restore itself)
  try {
    out.file = std::make_shared<const MappedStateFile>(
        std::filesystem::path(store_->absolutePath(c).toStdString()), fingerprint);
  } catch (const Error& e) {
    if (!QFileInfo::exists(store_->absolutePath(c)))  // evicted meanwhile, or deleted
      throw storage::StorageError(QString::fromUtf8(e.what()),
                                  storage::StorageError::Kind::NotFound);
    throw;
  }
  out.state = out.file->view();
  if (qint64(out.file->file_bytes()) != c.bytes)
    throw storage::StorageError(QStringLiteral("state file %1 has %2 bytes, expected %3")
                                    .arg(store_->absolutePath(c))
                                    .arg(qint64(out.file->file_bytes()))
                                    .arg(c.bytes),
                                storage::StorageError::Kind::Corrupt);
  // The row was written with the file's own token count and hash: a mismatch means the file
  // is not the state the row (and so its text) describes.
  if (out.state.header.n_tokens != c.tokenCount || out.state.header.token_hash != c.tokenHash)
    throw Error("saved state " + c.file.toStdString() + " does not match its record");
  if (!text) throw Error("the text of saved state " + c.file.toStdString() + " is missing");
  out.coveredText = text->toStdString();
  return out;
}

void StateKeeper::markUsed(qint64 checkpointId) {
  if (store_) store_->markUsed(checkpointId);
}

void StateKeeper::discard(qint64 checkpointId) {
  if (store_) store_->discard(checkpointId);
}

}  // namespace coil::app
