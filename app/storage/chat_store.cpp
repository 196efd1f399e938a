// ChatStore: conversations.
#include "chat_store.hpp"

#include <QDir>
#include <QFile>
#include <algorithm>

#include "chat_rows.hpp"
#include "database.hpp"
#include "fts_query.hpp"
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
      "model_id, model_path, system_prompt, sampling_json, remote_url) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      c.title, c.pinned, c.createdAt, c.updatedAt, c.lastOpenedAt, c.modelId, c.modelPath,
      c.systemPrompt, samplingText(c.sampling), c.remoteUrl);
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
  db_.run("UPDATE conversations SET model_id = ?, model_path = ?, remote_url = '' WHERE id = ?",
          modelId, modelPath, id);
}

void ChatStore::setRemoteModel(qint64 id, const QString& modelId, const QString& remoteUrl) {
  requireConversation(id);
  db_.run("UPDATE conversations SET model_id = ?, model_path = '', remote_url = ? WHERE id = ?",
          modelId, remoteUrl, id);
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

// ChatStore: the message tree and its branches.
namespace coil::storage {

using namespace rows;

namespace {

std::string selectMessages(const char* rest) {
  return std::string("SELECT ") + kMessageColumns + " FROM messages " + rest;
}

void bindMeta(Statement& st, int first, const MessageMeta& m) {
  st.bind(first + 0, nullIfEmpty(m.model));
  st.bind(first + 1, nullIfEmpty(jsonText(m.sampling)));
  st.bind(first + 2, m.seed);
  st.bind(first + 3, m.promptTokens);
  st.bind(first + 4, m.completionTokens);
  st.bind(first + 5, m.prefillTokensPerS);
  st.bind(first + 6, m.decodeTokensPerS);
  st.bind(first + 7, nullIfEmpty(m.finishReason));
}

std::optional<qint64> nullIfZero(qint64 id) {
  if (id == 0) return std::nullopt;
  return id;
}

// Fills each message's attachments (one indexed query per message).
void loadAttachments(const Database& db, QList<Message>& messages) {
  Statement st = db.prepare(
      "SELECT name, bytes, format, token_count, text FROM attachments WHERE message_id = ? "
      "ORDER BY position");
  for (Message& m : messages) {
    st.reset();
    st.bindAll(m.id);
    while (st.step())
      m.attachments << Attachment{st.text(0), st.int64(1), st.text(2), st.int64(3), st.text(4)};
  }
}

void insertAttachments(Database& db, qint64 messageId, const QList<Attachment>& attachments) {
  Statement st = db.prepare(
      "INSERT INTO attachments (message_id, position, name, bytes, format, token_count, text) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (qsizetype i = 0; i < attachments.size(); ++i) {
    const Attachment& a = attachments[i];
    if (a.bytes < 0 || a.tokenCount < 0)
      throw StorageError(QStringLiteral("attachment %1 has a negative size").arg(a.name),
                         StorageError::Kind::Invalid);
    st.reset();
    st.bindAll(messageId, qint64(i), a.name, a.bytes, a.format, a.tokenCount, a.text);
    st.exec();
  }
}

// Path root -> leaf, following parent_id upwards from leaf.
QList<Message> pathFrom(const Database& db, qint64 leaf) {
  Statement st = db.prepare(std::string(R"sql(
    WITH RECURSIVE up(id, depth) AS (
      SELECT ?, 0
      UNION ALL
      SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id
      WHERE m.parent_id IS NOT NULL)
    SELECT )sql") + kMessageColumns +
                            " FROM messages JOIN up USING (id) ORDER BY up.depth DESC");
  st.bindAll(leaf);
  QList<Message> out;
  while (st.step()) out << readMessage(st);
  loadAttachments(db, out);
  return out;
}

}  // namespace

Message ChatStore::requireMessage(qint64 id) const {
  if (auto m = message(id)) return *m;
  throw StorageError(QStringLiteral("no message with id %1").arg(id), StorageError::Kind::NotFound);
}

qint64 ChatStore::addMessage(qint64 conversationId, qint64 parentId, const QString& role,
                             const QString& content, const MessageMeta& meta, bool makeActive,
                             const QList<Attachment>& attachments) {
  if (!isValidRole(role))
    throw StorageError(QStringLiteral("invalid message role \"%1\"").arg(role),
                       StorageError::Kind::Invalid);
  Transaction tx(db_);
  requireConversation(conversationId);
  if (parentId != 0 && requireMessage(parentId).conversationId != conversationId)
    throw StorageError(
        QStringLiteral("message %1 is not in conversation %2").arg(parentId).arg(conversationId),
        StorageError::Kind::Invalid);
  const qint64 t = now();
  Statement st = db_.prepare(
      "INSERT INTO messages (conversation_id, parent_id, role, content, created_at, model, "
      "sampling_json, seed, prompt_tokens, completion_tokens, prefill_tps, decode_tps, "
      "finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bindAll(conversationId, nullIfZero(parentId), role, content, t);
  bindMeta(st, 6, meta);
  st.exec();
  const qint64 id = db_.lastInsertId();
  insertAttachments(db_, id, attachments);
  if (makeActive)
    db_.run("UPDATE conversations SET updated_at = ?, active_leaf_id = ? WHERE id = ?", t, id,
            conversationId);
  else
    db_.run("UPDATE conversations SET updated_at = ? WHERE id = ?", t, conversationId);
  tx.commit();
  return id;
}

qint64 ChatStore::insertMessage(const Message& m) {
  Statement st = db_.prepare(
      "INSERT INTO messages (conversation_id, parent_id, role, content, created_at, model, "
      "sampling_json, seed, prompt_tokens, completion_tokens, prefill_tps, decode_tps, "
      "finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bindAll(m.conversationId, nullIfZero(m.parentId), m.role, m.content, m.createdAt);
  bindMeta(st, 6, m.meta);
  Transaction tx(db_);
  st.exec();
  const qint64 id = db_.lastInsertId();
  insertAttachments(db_, id, m.attachments);
  tx.commit();
  return id;
}

void ChatStore::updateMessage(qint64 id, const QString& content, const MessageMeta& meta) {
  Transaction tx(db_);
  requireMessage(id);
  Statement st = db_.prepare(
      "UPDATE messages SET content = ?, model = ?, sampling_json = ?, seed = ?, "
      "prompt_tokens = ?, completion_tokens = ?, prefill_tps = ?, decode_tps = ?, "
      "finish_reason = ? WHERE id = ?");
  st.bind(1, content);
  bindMeta(st, 2, meta);
  st.bind(10, id);
  st.exec();
  tx.commit();
}

std::optional<Message> ChatStore::message(qint64 id) const {
  Statement st = db_.prepare(selectMessages("WHERE id = ?"));
  st.bindAll(id);
  if (!st.step()) return std::nullopt;
  QList<Message> one{readMessage(st)};
  loadAttachments(db_, one);
  return one.first();
}

QList<Message> ChatStore::messages(qint64 conversationId) const {
  Statement st = db_.prepare(selectMessages("WHERE conversation_id = ? ORDER BY id"));
  st.bindAll(conversationId);
  QList<Message> out;
  while (st.step()) out << readMessage(st);
  loadAttachments(db_, out);
  return out;
}

QList<Message> ChatStore::children(qint64 conversationId, qint64 parentId) const {
  Statement st =
      db_.prepare(selectMessages("WHERE conversation_id = ? AND parent_id IS ? ORDER BY id"));
  st.bindAll(conversationId, nullIfZero(parentId));
  QList<Message> out;
  while (st.step()) out << readMessage(st);
  loadAttachments(db_, out);
  return out;
}

SiblingInfo ChatStore::siblings(qint64 messageId) const {
  const Message m = requireMessage(messageId);
  Statement st = db_.prepare(
      "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS ? ORDER BY id");
  st.bindAll(m.conversationId, nullIfZero(m.parentId));
  SiblingInfo info;
  while (st.step()) info.ids << st.int64(0);
  info.count = int(info.ids.size());
  info.index = int(info.ids.indexOf(messageId));
  return info;
}

qint64 ChatStore::newestLeafUnder(qint64 messageId) const {
  Statement st = db_.prepare("SELECT MAX(id) FROM messages WHERE parent_id = ?");
  qint64 cur = messageId;
  for (;;) {
    st.reset();
    st.bindAll(cur);
    if (!st.step() || st.isNull(0)) return cur;
    cur = st.int64(0);
  }
}

void ChatStore::setActiveLeaf(qint64 conversationId, qint64 messageId) {
  Transaction tx(db_);
  requireConversation(conversationId);
  if (messageId != 0 && requireMessage(messageId).conversationId != conversationId)
    throw StorageError(
        QStringLiteral("message %1 is not in conversation %2").arg(messageId).arg(conversationId),
        StorageError::Kind::Invalid);
  db_.run("UPDATE conversations SET active_leaf_id = ? WHERE id = ?", nullIfZero(messageId),
          conversationId);
  tx.commit();
}

qint64 ChatStore::switchToSibling(qint64 messageId, int delta) {
  Transaction tx(db_);
  const SiblingInfo info = siblings(messageId);
  const int target = std::clamp(info.index + delta, 0, info.count - 1);
  const qint64 sibling = info.ids[target];
  setActiveLeaf(requireMessage(sibling).conversationId, newestLeafUnder(sibling));
  tx.commit();
  return sibling;
}

QList<Message> ChatStore::activePath(qint64 conversationId) const {
  const auto c = conversation(conversationId);
  if (!c)
    throw StorageError(QStringLiteral("no conversation with id %1").arg(conversationId),
                       StorageError::Kind::NotFound);
  if (c->activeLeafId != 0) {
    QList<Message> path = pathFrom(db_, c->activeLeafId);
    if (!path.isEmpty()) return path;
  }
  const qint64 root =
      db_.queryInt("SELECT MAX(id) FROM messages WHERE conversation_id = ? AND parent_id IS NULL",
                   0, conversationId);
  if (root == 0) return {};
  return pathFrom(db_, newestLeafUnder(root));
}

QList<Message> ChatStore::pathTo(qint64 messageId) const {
  requireMessage(messageId);
  return pathFrom(db_, messageId);
}

qint64 ChatStore::addSibling(qint64 siblingId, const QString& role, const QString& content,
                             const MessageMeta& meta) {
  Transaction tx(db_);
  const Message m = requireMessage(siblingId);
  if (m.role != role)
    throw StorageError(QStringLiteral("message %1 is a %2 message, not a %3 message")
                           .arg(siblingId)
                           .arg(m.role, role),
                       StorageError::Kind::Invalid);
  // A new question beside one about documents asks about the same documents.
  const qint64 id =
      addMessage(m.conversationId, m.parentId, role, content, meta, true, m.attachments);
  tx.commit();
  return id;
}

qint64 ChatStore::editMessage(qint64 userMessageId, const QString& content) {
  return addSibling(userMessageId, QStringLiteral("user"), content, {});
}

qint64 ChatStore::regenerate(qint64 assistantMessageId, const QString& content,
                             const MessageMeta& meta) {
  return addSibling(assistantMessageId, QStringLiteral("assistant"), content, meta);
}

}  // namespace coil::storage

// ChatStore: full-text search (FTS5).
namespace coil::storage {

namespace {

// Private-use characters mark matches inside the snippet, so the text can be HTML-escaped
// afterwards without touching the markers.
const QString kOpen = QString(QChar(0xE000));
const QString kClose = QString(QChar(0xE001));

}  // namespace

QList<SearchHit> ChatStore::search(const QString& query, int limit) const {
  const QString match = ftsMatchExpression(query);
  if (match.isEmpty() || limit <= 0) return {};
  Statement st = db_.prepare(R"sql(
    SELECT m.conversation_id, m.id, c.title, m.role,
           snippet(messages_fts, 0, ?, ?, '…', 16)
    FROM messages_fts
    JOIN messages m ON m.id = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id
    WHERE messages_fts MATCH ?
    ORDER BY messages_fts.rank, m.id DESC
    LIMIT ?)sql");
  st.bindAll(kOpen, kClose, match, limit);
  QList<SearchHit> hits;
  while (st.step()) {
    SearchHit h;
    h.conversationId = st.int64(0);
    h.messageId = st.int64(1);
    h.conversationTitle = st.text(2);
    h.role = st.text(3);
    const QString raw = st.text(4);
    h.snippetText = QString(raw).remove(kOpen).remove(kClose);
    h.snippet = raw.toHtmlEscaped()
                    .replace(kOpen, QLatin1String("<b>"))
                    .replace(kClose, QLatin1String("</b>"));
    hits << h;
  }
  return hits;
}

}  // namespace coil::storage
