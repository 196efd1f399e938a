// Export: the importable JSON tree.
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

#include "chat_store.hpp"
#include "export.hpp"
#include "storage_error.hpp"

namespace coil::storage {

namespace {

QJsonObject metaToJson(const MessageMeta& m) {
  QJsonObject o;
  if (!m.model.isEmpty()) o[QLatin1String("model")] = m.model;
  if (!m.sampling.isEmpty()) o[QLatin1String("sampling")] = m.sampling;
  if (m.seed) o[QLatin1String("seed")] = *m.seed;
  if (m.promptTokens) o[QLatin1String("prompt_tokens")] = *m.promptTokens;
  if (m.completionTokens) o[QLatin1String("completion_tokens")] = *m.completionTokens;
  if (m.prefillTokensPerS) o[QLatin1String("prefill_tokens_per_s")] = *m.prefillTokensPerS;
  if (m.decodeTokensPerS) o[QLatin1String("decode_tokens_per_s")] = *m.decodeTokensPerS;
  if (!m.finishReason.isEmpty()) o[QLatin1String("finish_reason")] = m.finishReason;
  return o;
}

QJsonArray attachmentsToJson(const QList<Attachment>& attachments) {
  QJsonArray out;
  for (const Attachment& a : attachments)
    out.append(QJsonObject{{QLatin1String("name"), a.name},
                           {QLatin1String("bytes"), a.bytes},
                           {QLatin1String("format"), a.format},
                           {QLatin1String("tokens"), a.tokenCount},
                           {QLatin1String("text"), a.text}});
  return out;
}

QJsonValue optional(const std::optional<qint64>& v) {
  return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QJsonObject envelope(const QJsonArray& conversations) {
  return {{QLatin1String("format"), QLatin1String(kExportFormatName)},
          {QLatin1String("schema_version"), kExportSchemaVersion},
          {QLatin1String("conversations"), conversations}};
}

}  // namespace

QJsonObject conversationToJson(const ChatStore& store, qint64 conversationId) {
  const auto c = store.conversation(conversationId);
  if (!c)
    throw StorageError(QStringLiteral("no conversation with id %1").arg(conversationId),
                       StorageError::Kind::NotFound);
  QHash<qint64, qint64> local;  // database id -> id in the file
  QJsonArray messages;
  for (const Message& m : store.messages(conversationId)) {
    const qint64 id = local.size() + 1;
    local.insert(m.id, id);
    QJsonObject o{{QLatin1String("id"), id},
                  {QLatin1String("parent"),
                   m.parentId ? QJsonValue(local.value(m.parentId)) : QJsonValue(QJsonValue::Null)},
                  {QLatin1String("role"), m.role},
                  {QLatin1String("content"), m.content},
                  {QLatin1String("created_at"), m.createdAt}};
    const QJsonObject meta = metaToJson(m.meta);
    if (!meta.isEmpty()) o[QLatin1String("meta")] = meta;
    if (!m.attachments.isEmpty())
      o[QLatin1String("attachments")] = attachmentsToJson(m.attachments);
    messages.append(o);
  }
  const qint64 leaf = local.value(c->activeLeafId, 0);
  QJsonObject chat{
      {QLatin1String("title"), c->title},
      {QLatin1String("pinned"), c->pinned},
      {QLatin1String("created_at"), c->createdAt},
      {QLatin1String("updated_at"), c->updatedAt},
      {QLatin1String("last_opened_at"), optional(c->lastOpenedAt)},
      {QLatin1String("model_id"), c->modelId},
      {QLatin1String("model_path"), c->modelPath},
      {QLatin1String("system_prompt"), c->systemPrompt},
      {QLatin1String("sampling"), c->sampling},
      {QLatin1String("active_leaf"), leaf ? QJsonValue(leaf) : QJsonValue(QJsonValue::Null)},
      {QLatin1String("messages"), messages}};
  if (!c->remoteUrl.isEmpty()) chat[QLatin1String("remote_url")] = c->remoteUrl;
  return chat;
}

QByteArray exportJsonOne(const ChatStore& store, qint64 conversationId) {
  return QJsonDocument(envelope({conversationToJson(store, conversationId)})).toJson();
}

QByteArray exportJsonAll(const ChatStore& store) {
  QJsonArray all;
  for (const Conversation& c : store.conversations()) all.append(conversationToJson(store, c.id));
  return QJsonDocument(envelope(all)).toJson();
}

}  // namespace coil::storage
