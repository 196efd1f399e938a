// Export: Markdown, plain text and OpenAI-style messages of the active branch.
#include <QDateTime>
#include <QJsonArray>
#include <algorithm>

#include "chat_store.hpp"
#include "export_formats.hpp"
#include "storage_error.hpp"

namespace coil::storage {

namespace {

Conversation require(const ChatStore& store, qint64 id) {
  if (auto c = store.conversation(id)) return *c;
  throw StorageError(QStringLiteral("no conversation with id %1").arg(id),
                     StorageError::Kind::NotFound);
}

QString titleOf(const Conversation& c) {
  return c.title.isEmpty() ? QStringLiteral("Untitled chat") : c.title;
}

QString roleName(const QString& role) {
  if (role == QLatin1String("user")) return QStringLiteral("User");
  if (role == QLatin1String("assistant")) return QStringLiteral("Assistant");
  return QStringLiteral("System");
}

QString isoTime(qint64 ms) {
  return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// A fence longer than any run of backticks in the text, so the text cannot close it.
QString fenceFor(const QString& text) {
  int longest = 0, run = 0;
  for (QChar c : text) {
    run = c == QLatin1Char('`') ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return QString(std::max(3, longest + 1), QLatin1Char('`'));
}

QString sizeText(const Attachment& a) {
  return a.tokenCount > 0 ? QStringLiteral("%1 bytes, %2 tokens").arg(a.bytes).arg(a.tokenCount)
                          : QStringLiteral("%1 bytes").arg(a.bytes);
}

}  // namespace

QString markdownOf(const ChatStore& store, qint64 conversationId) {
  const Conversation c = require(store, conversationId);
  QString out = QStringLiteral("# %1\n\n").arg(titleOf(c));
  QStringList facts;
  if (!c.modelId.isEmpty()) facts << QStringLiteral("Model: %1").arg(c.modelId);
  facts << QStringLiteral("Created: %1").arg(isoTime(c.createdAt));
  out += QStringLiteral("*%1*\n\n").arg(facts.join(QStringLiteral(" · ")));
  if (!c.systemPrompt.isEmpty()) {
    out += QStringLiteral("> **System prompt**\n>\n");
    for (const QString& line : c.systemPrompt.split(QLatin1Char('\n')))
      out +=
          (line.isEmpty() ? QStringLiteral(">") : QStringLiteral("> ") + line) + QLatin1Char('\n');
    out += QLatin1Char('\n');
  }
  for (const Message& m : store.activePath(conversationId)) {
    out += QStringLiteral("### %1\n\n").arg(roleName(m.role));
    for (const Attachment& a : m.attachments) {
      const QString fence = fenceFor(a.text);
      out += QStringLiteral("**Attachment: %1** (%2)\n\n%3text\n%4\n%3\n\n")
                 .arg(a.name, sizeText(a), fence, a.text.trimmed());
    }
    out += m.content.trimmed() + QStringLiteral("\n\n");
  }
  return out;
}

QString plainTextOf(const ChatStore& store, qint64 conversationId) {
  const Conversation c = require(store, conversationId);
  const QString title = titleOf(c);
  QString out =
      title + QLatin1Char('\n') + QString(title.size(), QLatin1Char('=')) + QStringLiteral("\n\n");
  if (!c.systemPrompt.isEmpty()) out += QStringLiteral("[System]\n%1\n\n").arg(c.systemPrompt);
  for (const Message& m : store.activePath(conversationId)) {
    out += QStringLiteral("[%1]\n").arg(roleName(m.role));
    for (const Attachment& a : m.attachments)
      out += QStringLiteral("[Attachment: %1 (%2)]\n%3\n[End of %1]\n\n")
                 .arg(a.name, sizeText(a), a.text.trimmed());
    out += m.content + QStringLiteral("\n\n");
  }
  return out;
}

QJsonObject openAiOf(const ChatStore& store, qint64 conversationId) {
  const Conversation c = require(store, conversationId);
  QJsonArray messages;
  if (!c.systemPrompt.isEmpty())
    messages.append(QJsonObject{{QLatin1String("role"), QLatin1String("system")},
                                {QLatin1String("content"), c.systemPrompt}});
  for (const Message& m : store.activePath(conversationId))
    messages.append(
        QJsonObject{{QLatin1String("role"), m.role}, {QLatin1String("content"), promptContent(m)}});
  return {{QLatin1String("messages"), messages}};
}

}  // namespace coil::storage
