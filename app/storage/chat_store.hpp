// Conversations and their message trees.
//
// A conversation's messages form a tree through parent_id: regenerating an answer or
// editing a question adds a sibling, never deletes. The conversation remembers its active
// leaf; the active branch is the path root -> active leaf.
//
// Every method throws StorageError on failure and is atomic (one transaction, or a
// savepoint when called inside an outer Transaction).
#pragma once
#include <QList>
#include <QString>

#include "chat_types.hpp"
#include "clock.hpp"

namespace coil::storage {

class Database;

class ChatStore {
 public:
  // dataDir: the folder state files are relative to, so that deleting a conversation also
  // deletes its state files; may be empty (no files, e.g. for ":memory:").
  explicit ChatStore(Database& db, QString dataDir = {}, Clock clock = systemClock());

  Database& database() const { return db_; }
  qint64 now() const { return clock_(); }

  // --- conversations ---
  qint64 createConversation(const QString& title = {});
  // Inserts a conversation as given (timestamps and settings kept, id and activeLeafId
  // ignored). For import.
  qint64 insertConversation(const Conversation& c);
  std::optional<Conversation> conversation(qint64 id) const;
  // Pinned first, then the most recently updated first.
  QList<Conversation> conversations() const;
  void rename(qint64 id, const QString& title);
  void setPinned(qint64 id, bool pinned);
  // A local model (the chat is local from then on: remoteUrl cleared).
  void setModel(qint64 id, const QString& modelId, const QString& modelPath);
  // A remote model: `modelId` served at the OpenAI-compatible `remoteUrl` (modelPath cleared).
  void setRemoteModel(qint64 id, const QString& modelId, const QString& remoteUrl);
  void setSystemPrompt(qint64 id, const QString& prompt);
  void setSampling(qint64 id, const QJsonObject& sampling);
  void markOpened(qint64 id);
  // Deletes the conversation, its messages and checkpoints, then its state files.
  // A crash between the two leaves only orphan files, removed at the next open.
  void deleteConversation(qint64 id);

  // --- messages ---
  // Adds a message under parentId (0: a root) and, when makeActive, makes it the active
  // leaf. The parent must belong to the same conversation. Bumps updatedAt. The message and
  // its attachments are added together or not at all.
  qint64 addMessage(qint64 conversationId, qint64 parentId, const QString& role,
                    const QString& content, const MessageMeta& meta = {}, bool makeActive = true,
                    const QList<Attachment>& attachments = {});
  // Inserts a message as given (createdAt, meta and attachments kept; id ignored), without
  // touching the conversation. For import.
  qint64 insertMessage(const Message& m);
  // Replaces the content and metadata (e.g. when a streamed answer finishes).
  void updateMessage(qint64 id, const QString& content, const MessageMeta& meta);
  std::optional<Message> message(qint64 id) const;
  // Every message of the conversation, parents before children (creation order).
  QList<Message> messages(qint64 conversationId) const;
  // Children of parentId (0: the roots), in creation order.
  QList<Message> children(qint64 conversationId, qint64 parentId) const;
  SiblingInfo siblings(qint64 messageId) const;
  // The leaf reached from messageId by following the newest child at each level.
  qint64 newestLeafUnder(qint64 messageId) const;

  // --- branches ---
  // messageId must belong to the conversation; any message may be the active "leaf"
  // (the path then ends there).
  void setActiveLeaf(qint64 conversationId, qint64 messageId);
  // Moves to the sibling `delta` places from messageId (clamped), makes the newest leaf
  // under it active and returns the sibling's id. For `< 2/3 >`.
  qint64 switchToSibling(qint64 messageId, int delta);
  // Root -> active leaf. With no active leaf set, the newest leaf of the newest root.
  QList<Message> activePath(qint64 conversationId) const;
  // Root -> messageId.
  QList<Message> pathTo(qint64 messageId) const;
  // Edit: a new user message beside `userMessageId` (same parent), made active, with the
  // same attachments (a new question about the same documents).
  qint64 editMessage(qint64 userMessageId, const QString& content);
  // Regenerate: a new assistant message beside `assistantMessageId`, made active.
  qint64 regenerate(qint64 assistantMessageId, const QString& content,
                    const MessageMeta& meta = {});

  // --- search ---
  // Full-text search over every message. The query is plain words (any punctuation or
  // FTS syntax in it is taken literally); all words must match, the last as a prefix.
  // Best matches first. An empty query gives no hits.
  QList<SearchHit> search(const QString& query, int limit = 50) const;

 private:
  Message requireMessage(qint64 id) const;
  void requireConversation(qint64 id) const;
  qint64 addSibling(qint64 siblingId, const QString& role, const QString& content,
                    const MessageMeta& meta);

  Database& db_;
  QString dataDir_;
  Clock clock_;
};

}  // namespace coil::storage
