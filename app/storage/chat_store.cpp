// ChatStore: conversations.
#include "chat_store.hpp"

#include <QDir>
#include <QFile>

#include "chat_rows.hpp"
#include "database.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

namespace coil::storage {

using namespace rows;

namespace {

// conversations.sampling_json is NOT NULL DEFAULT '{}'.
QString samplingText(const QJsonObject& sampling) {
  const QString text = jsonText(sampling);
  return text.isEmpty() ? QStringLiteral("{}") : text;
}

}  // namespace

ChatStore::ChatStore(Database& db, QString dataDir, Clock clock)
    : db_(db), dataDir_(std::move(dataDir)), clock_(clock ? std::move(clock) : systemClock()) {}

qint64 ChatStore::createConversation(const QString& title) {
  const qint64 t = now();
  db_.run("INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)", title, t,
          t);
  return db_.lastInsertId();
}

qint64 ChatStore::insertConversation(const Conversation& c) {
  db_.run(
      "INSERT INTO conversations (title, pinned, created_at, updated_at, last_opened_at, "
      "model_id, model_path, system_prompt, sampling_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      c.title, c.pinned, c.createdAt, c.updatedAt, c.lastOpenedAt, c.modelId, c.modelPath,
      c.systemPrompt, samplingText(c.sampling));
  return db_.lastInsertId();
}

std::optional<Conversation> ChatStore::conversation(qint64 id) const {
  Statement st = db_.prepare(std::string("SELECT ") + kConversationColumns +
                             " FROM conversations WHERE id = ?");
  st.bindAll(id);
  if (!st.step()) return std::nullopt;
  return readConversation(st);
}

QList<Conversation> ChatStore::conversations() const {
  Statement st = db_.prepare(std::string("SELECT ") + kConversationColumns +
                             " FROM conversations ORDER BY pinned DESC, updated_at DESC, id DESC");
  QList<Conversation> out;
  while (st.step()) out << readConversation(st);
  return out;
}

void ChatStore::requireConversation(qint64 id) const {
  if (db_.queryInt("SELECT 1 FROM conversations WHERE id = ?", 0, id) == 0)
    throw StorageError(QStringLiteral("no conversation with id %1").arg(id),
                       StorageError::Kind::NotFound);
}

void ChatStore::rename(qint64 id, const QString& title) {
  requireConversation(id);
  db_.run("UPDATE conversations SET title = ? WHERE id = ?", title, id);
}

void ChatStore::setPinned(qint64 id, bool pinned) {
  requireConversation(id);
  db_.run("UPDATE conversations SET pinned = ? WHERE id = ?", pinned, id);
}

void ChatStore::setModel(qint64 id, const QString& modelId, const QString& modelPath) {
  requireConversation(id);
  db_.run("UPDATE conversations SET model_id = ?, model_path = ? WHERE id = ?", modelId, modelPath,
          id);
}

void ChatStore::setSystemPrompt(qint64 id, const QString& prompt) {
  requireConversation(id);
  db_.run("UPDATE conversations SET system_prompt = ? WHERE id = ?", prompt, id);
}

void ChatStore::setSampling(qint64 id, const QJsonObject& sampling) {
  requireConversation(id);
  db_.run("UPDATE conversations SET sampling_json = ? WHERE id = ?", samplingText(sampling), id);
}

void ChatStore::markOpened(qint64 id) {
  requireConversation(id);
  db_.run("UPDATE conversations SET last_opened_at = ? WHERE id = ?", now(), id);
}

void ChatStore::deleteConversation(qint64 id) {
  QStringList files;
  {
    Transaction tx(db_);
    requireConversation(id);
    Statement st = db_.prepare("SELECT file FROM state_checkpoints WHERE conversation_id = ?");
    st.bindAll(id);
    while (st.step()) files << st.text(0);
    // Checkpoints and messages go by ON DELETE CASCADE.
    db_.run("DELETE FROM conversations WHERE id = ?", id);
    tx.commit();
  }
  if (dataDir_.isEmpty() || db_.inTransaction()) return;  // an outer rollback may undo it
  const QDir dir(dataDir_);
  for (const QString& f : files) QFile::remove(dir.filePath(f));
}

}  // namespace coil::storage
