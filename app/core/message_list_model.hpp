// The messages of the open chat's active branch (root -> active leaf), plus, while an
// answer streams in, one extra row at the end holding it. Each row knows its position among
// its siblings, for `< 2/3 >`.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QVariantList>

#include "chat_types.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

struct MessageRow {
  qint64 id = 0;  // kStreamingId for the answer being generated
  QString role;
  QString content;
  int siblingIndex = 0;  // 0-based
  int siblingCount = 1;
  QString details;  // "42 tokens · 31.5 tokens/s", "stopped"...
  bool streaming = false;
  // How an answer ended (MessageListModel::Finish, from the stored finish reason); a
  // question's is None.
  int finish = 0;
  QVariantList segments;  // splitMarkdown(content), cached
  // The attached files' chips: [{"name", "sizeText", "format", "tokens"}]
  QVariantList attachments;

  static MessageRow from(const storage::Message& message, const storage::SiblingInfo& siblings);
};

class MessageListModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.messages")
  Q_PROPERTY(bool streaming READ streaming NOTIFY streamingChanged)

 public:
  static constexpr qint64 kStreamingId = -1;

  enum Role {
    IdRole = Qt::UserRole + 1,
    RoleRole,
    ContentRole,
    SegmentsRole,
    SiblingIndexRole,
    SiblingCountRole,
    DetailsRole,
    StreamingRole,
    IsLastRole,
    AttachmentsRole,
    FinishRole,  // Finish
  };
  Q_ENUM(Role)
  // How an answer ended, for QML (MessageListModel.Interrupted...): the stored finish reasons
  // "stop" (or an end token), "length", "cancelled" and "interrupted" (Coil ended while it
  // was written: the text saved up to then); None for a question or an unknown reason.
  enum Finish { None, Stop, Length, Cancelled, Interrupted };
  Q_ENUM(Finish)
  static Finish finishOf(const QString& storedReason);

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  // Replaces the rows (keeping the streaming row, if any, at the end).
  void setMessages(const QList<MessageRow>& rows);
  void beginStreaming();
  void appendStreaming(const QString& text);
  void endStreaming();
  bool streaming() const { return streaming_; }

  Q_INVOKABLE QString contentOf(qint64 messageId) const;
  Q_INVOKABLE QString roleOf(qint64 messageId) const;
  // The newest assistant answer ("" if none).
  Q_INVOKABLE QString lastAnswer() const;
  qint64 lastMessageId() const;

 signals:
  void streamingChanged();

 private:
  QList<MessageRow> rows_;
  bool streaming_ = false;
};

}  // namespace coil::app
