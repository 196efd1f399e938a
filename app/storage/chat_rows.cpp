#include "chat_rows.hpp"

#include <QJsonDocument>

#include "json_document.hpp"

namespace coil::storage {

bool isValidRole(const QString& role) {
  return role == QLatin1String("user") || role == QLatin1String("assistant") ||
         role == QLatin1String("system");
}

namespace {

// A name or a text must not close its own block early.
QString escapeBlock(QString s) {
  return s.replace(QLatin1String("</document>"), QLatin1String("</document >"));
}

}  // namespace

QString documentBlocks(const QList<Attachment>& attachments) {
  QString out;
  for (const Attachment& a : attachments) {
    QString name = escapeBlock(a.name);
    name.replace(QLatin1Char('"'), QLatin1Char('\''));
    name.replace(QLatin1Char('\n'), QLatin1Char(' '));
    out += QStringLiteral("<document name=\"%1\">\n%2\n</document>\n\n")
               .arg(name, escapeBlock(a.text.trimmed()));
  }
  return out;
}

QString promptContent(const Message& m) {
  return documentBlocks(m.attachments) + m.content;
}

namespace rows {

QString jsonText(const QJsonObject& obj) {
  if (obj.isEmpty()) return {};
  return QString::fromUtf8(QJsonDocument(obj).toJson(QJsonDocument::Compact));
}

QJsonObject jsonObject(const QString& text) {
  if (text.isEmpty()) return {};
  const auto doc = parseJsonDocument(text.toUtf8(), QStringLiteral("a stored JSON field"));
  return doc ? doc->object() : QJsonObject();
}

std::optional<QString> nullIfEmpty(const QString& s) {
  if (s.isEmpty()) return std::nullopt;
  return s;
}

Conversation readConversation(const Statement& st) {
  Conversation c;
  c.id = st.int64(0);
  c.title = st.text(1);
  c.pinned = st.int64(2) != 0;
  c.createdAt = st.int64(3);
  c.updatedAt = st.int64(4);
  c.lastOpenedAt = st.optInt64(5);
  c.modelId = st.text(6);
  c.modelPath = st.text(7);
  c.systemPrompt = st.text(8);
  c.sampling = jsonObject(st.text(9));
  c.activeLeafId = st.optInt64(10).value_or(0);
  c.remoteUrl = st.text(11);
  return c;
}

Message readMessage(const Statement& st, int first) {
  Message m;
  const int f = first;
  m.id = st.int64(f + 0);
  m.conversationId = st.int64(f + 1);
  m.parentId = st.optInt64(f + 2).value_or(0);
  m.role = st.text(f + 3);
  m.content = st.text(f + 4);
  m.createdAt = st.int64(f + 5);
  m.meta.model = st.text(f + 6);
  m.meta.sampling = jsonObject(st.text(f + 7));
  m.meta.seed = st.optInt64(f + 8);
  m.meta.promptTokens = st.optInt64(f + 9);
  m.meta.completionTokens = st.optInt64(f + 10);
  m.meta.prefillTokensPerS = st.optReal(f + 11);
  m.meta.decodeTokensPerS = st.optReal(f + 12);
  m.meta.finishReason = st.text(f + 13);
  return m;
}

}  // namespace rows
}  // namespace coil::storage
