#include "chat_transfer.hpp"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "export.hpp"
#include "import_json.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

namespace coil::app {

namespace {

const QString kKey = QStringLiteral("transfer");

// A title as a file name: no path separators or control characters, at most 80 characters.
QString fileStem(QString title) {
  title.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|\\x00-\\x1f]+")),
                QStringLiteral(" "));
  title = title.simplified().left(80).trimmed();
  while (title.startsWith(QLatin1Char('.'))) title.remove(0, 1);
  return title.isEmpty() ? QStringLiteral("chat") : title;
}

QString localPath(const QUrl& file) {
  return file.isLocalFile() ? file.toLocalFile() : file.toString();
}

}  // namespace

ChatTransfer::ChatTransfer(storage::Storage* storage, ChatController* chat, BannerModel* banners,
                           QObject* parent)
    : QObject(parent), storage_(storage), chat_(chat), banners_(banners) {}

QVariantList ChatTransfer::formats() const {
  auto entry = [](const char* key, const QString& text, const QString& filter) {
    return QVariantMap{{QStringLiteral("key"), QString::fromLatin1(key)},
                       {QStringLiteral("text"), text},
                       {QStringLiteral("filter"), filter}};
  };
  return {entry("md", tr("Markdown"), tr("Markdown (*.md)")),
          entry("json", tr("JSON (importable)"), tr("JSON (*.json)")),
          entry("txt", tr("Plain text"), tr("Text (*.txt)")),
          entry("openai", tr("OpenAI messages (JSONL)"), tr("JSON Lines (*.jsonl)"))};
}

QUrl ChatTransfer::suggestedFile(qint64 conversationId, const QString& format) const {
  const auto parsed = storage::parseExportFormat(format);
  const QString suffix = parsed ? storage::fileSuffix(*parsed) : QStringLiteral("txt");
  QString stem = QStringLiteral("coil-chats-") + QDate::currentDate().toString(Qt::ISODate);
  if (conversationId > 0) {
    try {
      if (const auto c = storage_->chats().conversation(conversationId)) stem = fileStem(c->title);
    } catch (const std::exception&) {
      stem = QStringLiteral("chat");
    }
  }
  QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
  return QUrl::fromLocalFile(QDir(dir).filePath(stem + QLatin1Char('.') + suffix));
}

bool ChatTransfer::exportChat(qint64 conversationId, const QString& format, const QUrl& file) {
  return conversationId > 0 && write(conversationId, format, file);
}

bool ChatTransfer::exportAll(const QString& format, const QUrl& file) {
  return write(0, format, file);
}

bool ChatTransfer::write(qint64 conversationId, const QString& format, const QUrl& file) {
  const QString path = localPath(file);
  const QString title =
      conversationId > 0 ? tr("The chat was not exported") : tr("The chats were not exported");
  try {
    const auto parsed = storage::parseExportFormat(format);
    if (!parsed) throw storage::StorageError(tr("unknown export format '%1'").arg(format));
    if (!file.isLocalFile())
      throw storage::StorageError(tr("%1 is not a file on this computer").arg(file.toString()));
    const QByteArray data =
        conversationId > 0 ? storage::exportConversation(storage_->chats(), conversationId, *parsed)
                           : storage::exportAll(storage_->chats(), *parsed);
    // QSaveFile writes beside the target and renames: a failed export leaves an older file
    // of that name as it was, and never half a file.
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(data) != data.size() || !out.commit())
      throw storage::StorageError(tr("cannot write %1: %2").arg(path, out.errorString()));
  } catch (const std::exception& e) {
    banners_->show({kKey, QStringLiteral("error"), title, QString::fromUtf8(e.what()),
                    tr("Choose another folder, or free some disk space, and export again.")});
    return false;
  }
  banners_->show({kKey, QStringLiteral("info"),
                  conversationId > 0 ? tr("Chat exported") : tr("All chats exported"),
                  tr("Saved to %1").arg(QDir::toNativeSeparators(path)), QString()});
  return true;
}

int ChatTransfer::importFile(const QUrl& file) {
  const QString path = localPath(file);
  QList<qint64> ids;
  try {
    QFile in(path);
    if (!file.isLocalFile() || !in.open(QIODevice::ReadOnly))
      throw storage::StorageError(tr("cannot read %1: %2").arg(path, in.errorString()));
    ids = storage::importJson(storage_->chats(), in.readAll());
  } catch (const std::exception& e) {
    banners_->show({kKey, QStringLiteral("error"), tr("Nothing was imported"),
                    QString::fromUtf8(e.what()),
                    tr("Coil imports the JSON files it exports (Export as JSON); no chat was "
                       "changed.")});
    return 0;
  }
  chat_->refreshConversations();
  if (!ids.isEmpty() && !chat_->busy()) chat_->openChat(ids.first());  // never cut an answer
  banners_->show({kKey, QStringLiteral("info"),
                  ids.size() == 1 ? tr("1 chat imported") : tr("%1 chats imported").arg(ids.size()),
                  tr("From %1").arg(QDir::toNativeSeparators(path)), QString()});
  return static_cast<int>(ids.size());
}

}  // namespace coil::app
