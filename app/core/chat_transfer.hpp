// Export and import from the window: one chat or all of them to a file (Markdown, Text, JSON,
// OpenAI JSONL; storage/export.hpp), and Coil's own JSON export back in. The QML asks for a
// file with a FileDialog and calls these. The work runs on a thread of its own with its own
// connection to the database (an import of thousands of messages takes seconds; the window
// stays live), one job at a time; `busy` is true meanwhile. A banner with the key "transfer"
// says that it runs, then where the file went, how many chats came in, or why nothing happened.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <functional>

namespace coil::storage {
class Storage;
}

class QThread;

namespace coil::app {

class ChatController;
class BannerModel;

class ChatTransfer : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.transfer")
  // [{key: "md", text: "Markdown", filter: "Markdown (*.md)"}, ...]: the export formats.
  Q_PROPERTY(QVariantList formats READ formats CONSTANT)
  Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)

 public:
  ChatTransfer(storage::Storage* storage, ChatController* chat, BannerModel* banners,
               QObject* parent = nullptr);
  ~ChatTransfer() override;  // waits for a running job

  QVariantList formats() const;
  bool busy() const { return busy_; }

  // A file in the user's Documents folder (else home) named after the chat (0: all chats)
  // with the format's suffix, for the save dialog to start from.
  // Where the file dialogs start: Documents, else the home folder.
  Q_INVOKABLE QUrl suggestedFolder() const;
  Q_INVOKABLE QUrl suggestedFile(qint64 conversationId, const QString& format) const;
  // The file a save dialog's answer names, as a file:// URL, or an empty URL when it names
  // none on this computer (not a local URL, no file name). Qt 6.4's non-native FileDialog
  // answers with a URL that has no scheme, its folder and what was typed joined by '/':
  // "/docs/x.md", "/docs//tmp/x.md" (an absolute path typed), "/docs/file:///tmp/x.md",
  // "/docs/~/x.md", "/docs/../x.md"; a native dialog answers "file:///tmp/x.md". A relative
  // name is taken in `folder`. A name without a suffix gets the format's (".md", ".txt",
  // ".json", ".jsonl").
  Q_INVOKABLE QUrl exportFile(const QUrl& chosen, const QUrl& folder, const QString& format) const;
  // Whether a file (or anything else) of that name exists: the dialog asks before replacing it.
  Q_INVOKABLE bool exists(const QUrl& file) const;
  // A local file's path as the system writes it, for messages.
  Q_INVOKABLE QString displayPath(const QUrl& file) const;
  // Start writing the chat (or every chat) to file (any form exportFile() takes, relative to
  // suggestedFolder()); `exported` tells how it ended. False (and an error banner) when it
  // cannot start: another job runs, an unknown format, a file that is not on this computer.
  Q_INVOKABLE bool exportChat(qint64 conversationId, const QString& format, const QUrl& file);
  Q_INVOKABLE bool exportAll(const QString& format, const QUrl& file);
  // Start adding the chats of a Coil JSON export; `imported` gives how many (0 and an error
  // banner when the file is unreadable or not an export: then nothing is added). The first
  // one opens, unless an answer is being written.
  Q_INVOKABLE bool importFile(const QUrl& file);

 signals:
  void busyChanged();
  void exported(bool ok);
  void imported(int count);

 private:
  using Job = std::function<void(storage::Storage&)>;
  // Runs job on a thread with its own Storage of the same folder (on this thread for an
  // in-memory database, which no second connection can see), then finish(error) here.
  void start(Job job, std::function<void(const QString& error)> finish);
  bool startExport(qint64 conversationId, const QString& format, const QUrl& file);
  bool refuseWhileBusy();
  void setBusy(bool busy);

  storage::Storage* storage_;
  ChatController* chat_;
  BannerModel* banners_;
  bool busy_ = false;
  QPointer<QThread> thread_;
};

}  // namespace coil::app
