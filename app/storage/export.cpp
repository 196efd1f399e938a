#include "export.hpp"

#include <QJsonDocument>

#include "chat_store.hpp"
#include "export_formats.hpp"

namespace coil::storage {

std::optional<ExportFormat> parseExportFormat(const QString& name) {
  const QString n = name.toLower();
  if (n == QLatin1String("md") || n == QLatin1String("markdown")) return ExportFormat::Markdown;
  if (n == QLatin1String("txt") || n == QLatin1String("text")) return ExportFormat::Text;
  if (n == QLatin1String("json")) return ExportFormat::Json;
  if (n == QLatin1String("openai")) return ExportFormat::OpenAi;
  return std::nullopt;
}

QString fileSuffix(ExportFormat format) {
  switch (format) {
    case ExportFormat::Markdown:
      return QStringLiteral("md");
    case ExportFormat::Text:
      return QStringLiteral("txt");
    case ExportFormat::Json:
      return QStringLiteral("json");
    case ExportFormat::OpenAi:
      return QStringLiteral("jsonl");
  }
  return {};
}

QByteArray exportConversation(const ChatStore& store, qint64 id, ExportFormat format) {
  switch (format) {
    case ExportFormat::Markdown:
      return markdownOf(store, id).toUtf8();
    case ExportFormat::Text:
      return plainTextOf(store, id).toUtf8();
    case ExportFormat::Json:
      return exportJsonOne(store, id);
    case ExportFormat::OpenAi:  // JSON Lines: one line, like each line of all chats
      return QJsonDocument(openAiOf(store, id)).toJson(QJsonDocument::Compact) + '\n';
  }
  return {};
}

QByteArray exportAll(const ChatStore& store, ExportFormat format) {
  if (format == ExportFormat::Json) return exportJsonAll(store);
  QByteArray out;
  const QList<Conversation> all = store.conversations();
  for (qsizetype i = 0; i < all.size(); ++i) {
    const qint64 id = all[i].id;
    switch (format) {
      case ExportFormat::Markdown:
        if (i > 0) out += "\n---\n\n";
        out += markdownOf(store, id).toUtf8();
        break;
      case ExportFormat::Text:
        if (i > 0) out += "\n";
        out += plainTextOf(store, id).toUtf8();
        break;
      case ExportFormat::OpenAi:  // JSON Lines: one chat per line
        out += QJsonDocument(openAiOf(store, id)).toJson(QJsonDocument::Compact) + '\n';
        break;
      case ExportFormat::Json:
        break;
    }
  }
  return out;
}

}  // namespace coil::storage
