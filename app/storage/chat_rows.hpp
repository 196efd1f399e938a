// Internal: column lists and row readers shared by the chat store's source files.
#pragma once
#include <QJsonObject>

#include "chat_types.hpp"
#include "statement.hpp"

namespace coil::storage::rows {

inline constexpr const char* kConversationColumns =
    "id, title, pinned, created_at, updated_at, last_opened_at, model_id, model_path, "
    "system_prompt, sampling_json, active_leaf_id, remote_url";
inline constexpr const char* kMessageColumns =
    "id, conversation_id, parent_id, role, content, created_at, model, sampling_json, seed, "
    "prompt_tokens, completion_tokens, prefill_tps, decode_tps, finish_reason";

Conversation readConversation(const Statement& st);
Message readMessage(const Statement& st, int first = 0);

QString jsonText(const QJsonObject& obj);     // compact; "" for an empty object
QJsonObject jsonObject(const QString& text);  // {} for empty or invalid text
std::optional<QString> nullIfEmpty(const QString& s);

}  // namespace coil::storage::rows
