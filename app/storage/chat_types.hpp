// Plain value types of the chat store. Times are milliseconds since the Unix epoch (UTC);
// ids are SQLite rowids (> 0), with 0 meaning "none".
#pragma once
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace coil::storage {

struct Conversation {
  qint64 id = 0;
  QString title;
  bool pinned = false;
  qint64 createdAt = 0;
  qint64 updatedAt = 0;                // last message added (or created)
  std::optional<qint64> lastOpenedAt;  // set by ChatStore::markOpened
  QString modelId;                     // e.g. "tiiuae/falcon-mamba-7b-instruct"
  QString modelPath;                   // the model folder on disk ("" for a remote chat)
  // A remote chat: the OpenAI-compatible endpoint's base URL ("http://host:8080/v1"), whose
  // model `modelId` answers; "" for a local chat. Its API key is never stored with the chat.
  QString remoteUrl;
  QString systemPrompt;
  QJsonObject sampling;  // {"temperature":..,"top_k":..,...}; opaque to storage
  qint64 activeLeafId = 0;

  bool operator==(const Conversation&) const = default;
};

// How a message was produced. Every field is optional (empty / nullopt = unknown).
struct MessageMeta {
  QString model;
  QJsonObject sampling;
  std::optional<qint64> seed;
  std::optional<qint64> promptTokens;
  std::optional<qint64> completionTokens;
  std::optional<double> prefillTokensPerS;
  std::optional<double> decodeTokensPerS;
  QString finishReason;  // "stop", "length", "cancelled", ...

  bool operator==(const MessageMeta&) const = default;
};

// A file attached to a (user) message: its extracted text is the source of truth, as a
// message's content is; the file itself is not kept.
struct Attachment {
  QString name;           // the file's name, without its folder
  qint64 bytes = 0;       // the file's size
  QString format;         // "PDF", "HTML", "Markdown", "Source code", "Text"
  qint64 tokenCount = 0;  // tokens of the text for the chat's model (0: not counted)
  QString text;

  bool operator==(const Attachment&) const = default;
};

struct Message {
  qint64 id = 0;
  qint64 conversationId = 0;
  qint64 parentId = 0;  // 0 for a root (first message, or an edit of it)
  QString role;         // "system", "user" or "assistant"
  QString content;
  qint64 createdAt = 0;
  MessageMeta meta;
  QList<Attachment> attachments;  // in the order they were attached

  bool operator==(const Message&) const = default;
};

// Position of a message among the children of its parent, for `< 2/3 >`.
struct SiblingInfo {
  int index = 0;      // 0-based position of the message in `ids`
  int count = 0;      // ids.size()
  QList<qint64> ids;  // in creation order
};

struct SearchHit {
  qint64 conversationId = 0;
  qint64 messageId = 0;
  QString conversationTitle;
  QString role;
  QString snippet;      // HTML-escaped text, matches wrapped in <b>...</b>, "…" at cuts
  QString snippetText;  // the same without markup
};

bool isValidRole(const QString& role);

// What the model reads for a message: each attachment as a delimited block
// (<document name="...">text</document>), then the message's own text. The one place the
// prompt's layout of documents is decided (the worker and the OpenAI export use it).
QString promptContent(const Message& m);
// The attachments' blocks alone (with the blank line that separates them from the text).
QString documentBlocks(const QList<Attachment>& attachments);

}  // namespace coil::storage
