// The files attached in the composer, before the message is sent: each is read on the
// thread pool (AttachmentError's message on its chip when it cannot be), then its tokens are
// counted by the worker (the loaded model's tokenizer). The composer shows them as chips;
// send() takes the ready ones. The estimate of the reading time comes from the prefill speed
// measured on this machine (the last answer's), before anything is read. Chips belong to the
// chat they were added in: switching chats parks them, coming back shows them again.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QAbstractListModel>
#include <QFutureWatcher>
#include <QUrl>

#include "attachment_reader.hpp"
#include "chat_types.hpp"

namespace coil::app {

class WorkerHost;

class PendingAttachments : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.chat.attachments")
  Q_PROPERTY(int count READ count NOTIFY changed)
  Q_PROPERTY(bool busy READ busy NOTIFY changed)  // a file is still being read or counted
  Q_PROPERTY(int readyCount READ readyCount NOTIFY changed)
  Q_PROPERTY(QString estimateText READ estimateText NOTIFY changed)
  Q_PROPERTY(double limitMB READ limitMB WRITE setLimitMB NOTIFY limitChanged)

 public:
  enum Role {
    NameRole = Qt::UserRole + 1,
    SizeTextRole,
    FormatRole,
    TokensRole,  // -1: not counted (no model loaded)
    StatusRole,  // Status
    ErrorRole,
  };
  Q_ENUM(Role)
  // Where a chip is (QML: PendingAttachments.Reading, ...).
  enum Status { Reading, Counting, Ready, Failed };
  Q_ENUM(Status)

  explicit PendingAttachments(WorkerHost* host, QObject* parent = nullptr);
  ~PendingAttachments() override;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  int count() const { return int(items_.size()); }
  bool busy() const;
  int readyCount() const;
  QString estimateText() const;
  double limitMB() const { return double(limitBytes_) / 1e6; }
  void setLimitMB(double mb);

  // Local files (file: URLs, as a file dialog or a drop gives them, or plain paths).
  Q_INVOKABLE void addFiles(const QVariantList& urls);
  Q_INVOKABLE void addFile(const QString& path);
  Q_INVOKABLE void remove(int row);
  Q_INVOKABLE void clear();
  // The ready attachments, in order (the chips stay until clear()).
  QList<storage::Attachment> ready() const;
  // ready(), then removes every chip (ready or refused).
  QList<storage::Attachment> take();

  // Tokens per second of the last measured prefill and where it ran ("cpu"); 0: unknown.
  void setPrefillSpeed(double tokensPerS, const QString& backend);
  // The model changed: count every ready attachment again with its tokenizer.
  void recount();
  // The chat shown became `conversationId` (0: a new chat not stored yet): the chips of the
  // chat left are parked and those of `conversationId` come back. `carry`: the chips stay,
  // now this chat's (a new chat stored as its first message is sent).
  void setConversation(qint64 conversationId, bool carry = false);
  // The chat was deleted: its parked chips go.
  void forgetConversation(qint64 conversationId);

 signals:
  void changed();
  void limitChanged();

 private:
  // What a read on the pool gives back (QtConcurrent passes only QException subclasses
  // through a future, so the reader's error travels as a value).
  struct ReadResult {
    ExtractedDocument document;
    QString error;  // "" when read
  };
  struct Item {
    qint64 key = 0;
    Status status = Reading;
    QString error;
    storage::Attachment attachment;
    QFutureWatcher<ReadResult>* watcher = nullptr;
  };
  int rowOf(qint64 key) const;
  // The item of `key`, shown or parked (*row: its row when shown, else -1); nullptr if gone.
  Item* find(qint64 key, int* row);
  void onRead(qint64 key);
  void onCounted(qint64 key, qint64 tokens);
  void update(int row);

  WorkerHost* host_;
  QList<Item> items_;                  // the chips of the chat shown
  QHash<qint64, QList<Item>> parked_;  // other chats' chips, by conversation
  qint64 conversation_ = 0;
  qint64 nextKey_ = 1;
  qint64 limitBytes_ = kDefaultAttachmentLimitBytes;
  double prefillTokensPerS_ = 0;
  QString backend_;
};

}  // namespace coil::app
