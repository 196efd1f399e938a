#include "import_json.hpp"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <limits>

#include "chat_store.hpp"
#include "export.hpp"
#include "json_document.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

namespace coil::storage {

namespace {

[[noreturn]] void bad(const QString& where, const QString& what) {
  throw ImportError(QStringLiteral("invalid chat file: %1: %2").arg(where, what));
}

// Typed access to the fields of one JSON object, with `where` in every error.
class Fields {
 public:
  Fields(const QJsonObject& o, QString where) : o_(o), where_(std::move(where)) {}

  QString at(const QString& key) const { return where_ + QLatin1Char('.') + key; }
  bool has(const QString& key) const { return o_.contains(key) && !o_[key].isNull(); }

  QString string(const QString& key, bool required) const {
    if (!has(key)) {
      if (required) bad(at(key), QStringLiteral("missing"));
      return {};
    }
    if (!o_[key].isString()) bad(at(key), QStringLiteral("expected a string"));
    return o_[key].toString();
  }
  bool boolean(const QString& key) const {
    if (!has(key)) return false;
    if (!o_[key].isBool()) bad(at(key), QStringLiteral("expected true or false"));
    return o_[key].toBool();
  }
  std::optional<qint64> integer(const QString& key, bool required) const {
    if (!has(key)) {
      if (required) bad(at(key), QStringLiteral("missing"));
      return std::nullopt;
    }
    const QJsonValue v = o_[key];
    constexpr qint64 kNone = std::numeric_limits<qint64>::min();
    const qint64 i = v.toInteger(kNone);
    if (!v.isDouble() || i == kNone) bad(at(key), QStringLiteral("expected an integer"));
    return i;
  }
  std::optional<double> number(const QString& key) const {
    if (!has(key)) return std::nullopt;
    if (!o_[key].isDouble()) bad(at(key), QStringLiteral("expected a number"));
    return o_[key].toDouble();
  }
  QJsonObject object(const QString& key) const {
    if (!has(key)) return {};
    if (!o_[key].isObject()) bad(at(key), QStringLiteral("expected an object"));
    return o_[key].toObject();
  }
  QJsonArray array(const QString& key) const {
    if (!o_.contains(key)) bad(at(key), QStringLiteral("missing"));
    if (!o_[key].isArray()) bad(at(key), QStringLiteral("expected an array"));
    return o_[key].toArray();
  }

 private:
  QJsonObject o_;
  QString where_;
};

QJsonObject objectAt(const QJsonArray& a, qsizetype i, const QString& where) {
  if (!a[i].isObject()) bad(where, QStringLiteral("expected an object"));
  return a[i].toObject();
}

struct ParsedChat {
  Conversation conversation;
  QList<Message> messages;  // id and parentId are the file's ids
  qint64 activeLeaf = 0;
};

MessageMeta parseMeta(const Fields& f) {
  MessageMeta m;
  m.model = f.string(QStringLiteral("model"), false);
  m.sampling = f.object(QStringLiteral("sampling"));
  m.seed = f.integer(QStringLiteral("seed"), false);
  m.promptTokens = f.integer(QStringLiteral("prompt_tokens"), false);
  m.completionTokens = f.integer(QStringLiteral("completion_tokens"), false);
  m.prefillTokensPerS = f.number(QStringLiteral("prefill_tokens_per_s"));
  m.decodeTokensPerS = f.number(QStringLiteral("decode_tokens_per_s"));
  m.finishReason = f.string(QStringLiteral("finish_reason"), false);
  return m;
}

QList<Attachment> parseAttachments(const Fields& mf) {
  QList<Attachment> out;
  if (!mf.has(QStringLiteral("attachments"))) return out;
  const QJsonArray list = mf.array(QStringLiteral("attachments"));
  for (qsizetype i = 0; i < list.size(); ++i) {
    const QString aw = QStringLiteral("%1[%2]").arg(mf.at(QStringLiteral("attachments"))).arg(i);
    const Fields af(objectAt(list, i, aw), aw);
    Attachment a;
    a.name = af.string(QStringLiteral("name"), true);
    a.bytes = af.integer(QStringLiteral("bytes"), false).value_or(0);
    a.format = af.string(QStringLiteral("format"), false);
    a.tokenCount = af.integer(QStringLiteral("tokens"), false).value_or(0);
    a.text = af.string(QStringLiteral("text"), true);
    if (a.bytes < 0) bad(af.at(QStringLiteral("bytes")), QStringLiteral("must not be negative"));
    if (a.tokenCount < 0)
      bad(af.at(QStringLiteral("tokens")), QStringLiteral("must not be negative"));
    out << a;
  }
  return out;
}

ParsedChat parseChat(const QJsonObject& o, const QString& where) {
  const Fields f(o, where);
  ParsedChat chat;
  Conversation& c = chat.conversation;
  c.title = f.string(QStringLiteral("title"), true);
  c.pinned = f.boolean(QStringLiteral("pinned"));
  c.createdAt = *f.integer(QStringLiteral("created_at"), true);
  c.updatedAt = *f.integer(QStringLiteral("updated_at"), true);
  c.lastOpenedAt = f.integer(QStringLiteral("last_opened_at"), false);
  c.modelId = f.string(QStringLiteral("model_id"), false);
  c.modelPath = f.string(QStringLiteral("model_path"), false);
  c.remoteUrl = f.string(QStringLiteral("remote_url"), false);
  c.systemPrompt = f.string(QStringLiteral("system_prompt"), false);
  c.sampling = f.object(QStringLiteral("sampling"));
  chat.activeLeaf = f.integer(QStringLiteral("active_leaf"), false).value_or(0);

  QHash<qint64, QString> roles;  // ids seen so far
  const QJsonArray messages = f.array(QStringLiteral("messages"));
  for (qsizetype i = 0; i < messages.size(); ++i) {
    const QString mw = QStringLiteral("%1.messages[%2]").arg(where).arg(i);
    const Fields mf(objectAt(messages, i, mw), mw);
    Message m;
    m.id = *mf.integer(QStringLiteral("id"), true);
    if (m.id <= 0) bad(mf.at(QStringLiteral("id")), QStringLiteral("must be positive"));
    if (roles.contains(m.id))
      bad(mf.at(QStringLiteral("id")), QStringLiteral("id %1 appears twice").arg(m.id));
    m.parentId = mf.integer(QStringLiteral("parent"), false).value_or(0);
    if (m.parentId != 0 && !roles.contains(m.parentId))
      bad(mf.at(QStringLiteral("parent")),
          QStringLiteral("no earlier message with id %1").arg(m.parentId));
    m.role = mf.string(QStringLiteral("role"), true);
    if (!isValidRole(m.role))
      bad(mf.at(QStringLiteral("role")), QStringLiteral("\"%1\" is not a role").arg(m.role));
    m.content = mf.string(QStringLiteral("content"), true);
    m.createdAt = *mf.integer(QStringLiteral("created_at"), true);
    const QString metaWhere = mf.at(QStringLiteral("meta"));
    m.meta = parseMeta(Fields(mf.object(QStringLiteral("meta")), metaWhere));
    m.attachments = parseAttachments(mf);
    roles.insert(m.id, m.role);
    chat.messages << m;
  }
  if (chat.activeLeaf != 0 && !roles.contains(chat.activeLeaf))
    bad(f.at(QStringLiteral("active_leaf")),
        QStringLiteral("no message with id %1").arg(chat.activeLeaf));
  return chat;
}

QList<ParsedChat> parseFile(const QByteArray& json) {
  QString error;
  const auto parsed = parseJsonDocument(json, QStringLiteral("the chat file"), &error);
  if (!parsed) throw ImportError(QStringLiteral("not a valid JSON file: %1").arg(error));
  const QJsonDocument& doc = *parsed;
  if (!doc.isObject())
    throw ImportError(QStringLiteral("not a Coil chat export: the top level is not an object"));
  const QJsonObject root = doc.object();
  if (root[QLatin1String("format")].toString() != QLatin1String(kExportFormatName))
    throw ImportError(QStringLiteral("not a Coil chat export: \"format\" is not \"%1\"")
                          .arg(QLatin1String(kExportFormatName)));
  const Fields f(root, QStringLiteral("$"));
  const qint64 version = *f.integer(QStringLiteral("schema_version"), true);
  if (version != kExportSchemaVersion)
    throw ImportError(
        QStringLiteral("unsupported schema_version %1: this version of Coil reads version %2%3")
            .arg(version)
            .arg(kExportSchemaVersion)
            .arg(version > kExportSchemaVersion ? QStringLiteral(" (the file is from a newer Coil)")
                                                : QString()));
  QList<ParsedChat> chats;
  const QJsonArray conversations = f.array(QStringLiteral("conversations"));
  for (qsizetype i = 0; i < conversations.size(); ++i) {
    const QString where = QStringLiteral("conversations[%1]").arg(i);
    chats << parseChat(objectAt(conversations, i, where), where);
  }
  return chats;
}

// Whether `chat` is one of `existing` already: the same title and creation time, and the
// same messages (role, content, creation time) in the same order.
bool isAlreadyThere(const ChatStore& store, const QList<Conversation>& existing,
                    const ParsedChat& chat) {
  for (const Conversation& c : existing) {
    if (c.createdAt != chat.conversation.createdAt || c.title != chat.conversation.title) continue;
    const QList<Message> have = store.messages(c.id);
    if (have.size() != chat.messages.size()) continue;
    bool same = true;
    for (qsizetype i = 0; same && i < have.size(); ++i)
      same = have[i].role == chat.messages[i].role && have[i].content == chat.messages[i].content &&
             have[i].createdAt == chat.messages[i].createdAt;
    if (same) return true;
  }
  return false;
}

}  // namespace

QList<qint64> importJsonFile(ChatStore& store, const QString& path, int* alreadyThere) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    throw StorageError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
  constexpr qint64 kMax = qint64(coil::limits::kChatExportBytes);
  if (file.size() > kMax)
    throw ImportError(QStringLiteral("%1 is too large to be a chat export (%2 MiB; at most %3 MiB)")
                          .arg(path)
                          .arg(file.size() >> 20)
                          .arg(kMax >> 20));
  return importJson(store, file.read(kMax), alreadyThere);
}

QList<qint64> importJson(ChatStore& store, const QByteArray& json, int* alreadyThere) {
  const QList<ParsedChat> chats = parseFile(json);
  QList<qint64> ids;
  int skipped = 0;
  Transaction tx(store.database());
  const QList<Conversation> existing = store.conversations();
  for (const ParsedChat& chat : chats) {
    if (isAlreadyThere(store, existing, chat)) {
      ++skipped;
      continue;
    }
    const qint64 cid = store.insertConversation(chat.conversation);
    QHash<qint64, qint64> newId;
    for (Message m : chat.messages) {
      const qint64 fileId = m.id;
      m.conversationId = cid;
      m.parentId = m.parentId ? newId.value(m.parentId) : 0;
      newId.insert(fileId, store.insertMessage(m));
    }
    if (chat.activeLeaf) store.setActiveLeaf(cid, newId.value(chat.activeLeaf));
    ids << cid;
  }
  tx.commit();
  if (alreadyThere) *alreadyThere = skipped;
  return ids;
}

}  // namespace coil::storage
