// Export and import from the window: one chat or all of them to a file (Markdown, Text, JSON,
// OpenAI JSONL; storage/export.hpp), and Coil's own JSON export back in. The QML asks for a
// file with a FileDialog and calls these; the outcome (where the file went, how many chats
// came in, or why nothing happened) is a banner with the key "transfer".
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QUrl>
#include <QVariantList>

namespace coil::storage {
class Storage;
}

namespace coil::app {

class ChatController;
class BannerModel;

class ChatTransfer : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.transfer")
  // [{key: "md", text: "Markdown", filter: "Markdown (*.md)"}, ...]: the export formats.
  Q_PROPERTY(QVariantList formats READ formats CONSTANT)

 public:
  ChatTransfer(storage::Storage* storage, ChatController* chat, BannerModel* banners,
               QObject* parent = nullptr);

  QVariantList formats() const;

  // A file in the user's Documents folder (else home) named after the chat (0: all chats)
  // with the format's suffix, for the save dialog to start from.
  Q_INVOKABLE QUrl suggestedFile(qint64 conversationId, const QString& format) const;
  // Write the chat (or every chat) to file; false (and an error banner) when nothing was
  // written: an unknown chat or format, a folder that refuses the file, a full disk.
  Q_INVOKABLE bool exportChat(qint64 conversationId, const QString& format, const QUrl& file);
  Q_INVOKABLE bool exportAll(const QString& format, const QUrl& file);
  // Add the chats of a Coil JSON export and open the first; returns how many (0 and an error
  // banner when the file is unreadable or not an export: then nothing is added).
  Q_INVOKABLE int importFile(const QUrl& file);

 private:
  bool write(qint64 conversationId, const QString& format, const QUrl& file);

  storage::Storage* storage_;
  ChatController* chat_;
  BannerModel* banners_;
};

}  // namespace coil::app
