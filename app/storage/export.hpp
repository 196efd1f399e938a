// Exporting conversations.
//
// Formats (one chat / all chats):
//   Markdown, Text  the active branch, readable (attachments: name, size and text before
//                   the message); all chats one after another.
//   Json            the whole tree with every setting and metadata; importable (see
//                   import_json.hpp). The layout, "schema_version" 1:
//     {"format": "coil-chat", "schema_version": 1, "conversations": [
//       {"title", "pinned", "created_at", "updated_at", "last_opened_at" (or null),
//        "model_id", "model_path", "remote_url" (a remote chat only: the endpoint's base
//        URL, never its API key), "system_prompt", "sampling": {...},
//        "active_leaf": <message id or null>,
//        "messages": [{"id", "parent" (id or null), "role", "content", "created_at",
//                      "meta": {"model", "sampling", "seed", "prompt_tokens",
//                               "completion_tokens", "prefill_tokens_per_s",
//                               "decode_tokens_per_s", "finish_reason"},
//                      "attachments" (when there are any): [{"name", "bytes", "format",
//                                       "tokens", "text"}, ...]}, ...]}]}
//     Times are integer milliseconds since the epoch (UTC). Message ids are local to the
//     file (1..n in creation order); a parent comes before its children. Unknown meta
//     fields are left out.
//   OpenAi          JSON Lines (.jsonl): {"messages": [{"role", "content"}, ...]} of the
//                   active branch, the system prompt first, attachments in the content as
//                   the model reads them (promptContent), on one line ending in '\n'; all
//                   chats: one such line per chat.
#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <optional>

namespace coil::storage {

class ChatStore;

enum class ExportFormat { Markdown, Text, Json, OpenAi };

inline constexpr int kExportSchemaVersion = 1;
inline constexpr char kExportFormatName[] = "coil-chat";

// "md"/"markdown", "txt"/"text", "json", "openai".
std::optional<ExportFormat> parseExportFormat(const QString& name);
QString fileSuffix(ExportFormat format);

// Throw StorageError (Kind::NotFound) for an unknown conversation.
QByteArray exportConversation(const ChatStore& store, qint64 conversationId, ExportFormat format);
QByteArray exportAll(const ChatStore& store, ExportFormat format);

// The JSON object of one conversation (an element of "conversations").
QJsonObject conversationToJson(const ChatStore& store, qint64 conversationId);

}  // namespace coil::storage
