#include "message_list_model.hpp"

#include <QLocale>

#include "format.hpp"
#include "format_bytes.hpp"
#include "markdown_segments.hpp"

namespace coil::app {

namespace {

QString detailsOf(const storage::MessageMeta& meta) {
  QStringList parts;
  if (meta.completionTokens) parts << formatCount(*meta.completionTokens, "token", "tokens");
  if (meta.decodeTokensPerS && *meta.decodeTokensPerS > 0)
    parts << QObject::tr("%1 tokens/s").arg(QLocale().toString(*meta.decodeTokensPerS, 'f', 1));
  switch (MessageListModel::finishOf(meta.finishReason)) {
    case MessageListModel::Cancelled:
      parts << QObject::tr("stopped");
      break;
    case MessageListModel::Length:
      parts << QObject::tr("token limit reached");
      break;
    case MessageListModel::Interrupted:
      parts << QObject::tr("interrupted before it was finished");
      break;
    case MessageListModel::None:
    case MessageListModel::Stop:
      break;
  }
  return parts.join(QStringLiteral(" · "));
}

}  // namespace

MessageRow MessageRow::from(const storage::Message& m, const storage::SiblingInfo& s) {
  MessageRow r;
  r.id = m.id;
  r.role = m.role;
  r.content = m.content;
  r.siblingIndex = s.index;
  r.siblingCount = qMax(1, s.count);
  r.details = m.role == QLatin1String("assistant") ? detailsOf(m.meta) : QString();
  if (m.role == QLatin1String("assistant"))
    r.finish = MessageListModel::finishOf(m.meta.finishReason);
  r.segments = segmentsToVariant(splitMarkdown(m.content));
  for (const storage::Attachment& a : m.attachments)
    r.attachments << QVariantMap{{QStringLiteral("name"), a.name},
                                 {QStringLiteral("sizeText"), hub::formatBytes(a.bytes)},
                                 {QStringLiteral("format"), a.format},
                                 {QStringLiteral("tokens"), a.tokenCount}};
  return r;
}

MessageListModel::Finish MessageListModel::finishOf(const QString& reason) {
  if (reason == QLatin1String("stop")) return Stop;
  if (reason == QLatin1String("length")) return Length;
  if (reason == QLatin1String("cancelled")) return Cancelled;
  if (reason == QLatin1String("interrupted")) return Interrupted;
  return None;
}

int MessageListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const MessageRow& r = rows_[index.row()];
  switch (role) {
    case IdRole:
      return r.id;
    case RoleRole:
      return r.role;
    case Qt::DisplayRole:
    case ContentRole:
      return r.content;
    case SegmentsRole:
      return r.segments;
    case SiblingIndexRole:
      return r.siblingIndex;
    case SiblingCountRole:
      return r.siblingCount;
    case DetailsRole:
      return r.details;
    case StreamingRole:
      return r.streaming;
    case IsLastRole:
      return index.row() == rows_.size() - 1;
    case AttachmentsRole:
      return r.attachments;
    case FinishRole:
      return r.finish;
  }
  return {};
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
  return {{IdRole, "messageId"},
          {RoleRole, "role"},
          {ContentRole, "content"},
          {SegmentsRole, "segments"},
          {SiblingIndexRole, "siblingIndex"},
          {SiblingCountRole, "siblingCount"},
          {DetailsRole, "details"},
          {StreamingRole, "streaming"},
          {IsLastRole, "isLast"},
          {AttachmentsRole, "attachments"},
          {FinishRole, "finish"}};
}

void MessageListModel::setMessages(const QList<MessageRow>& rows) {
  QList<MessageRow> next = rows;
  if (streaming_) next << rows_.last();
  sync(rows_, next, [](const MessageRow& r) { return r.id; });
}

void MessageListModel::beginStreaming() {
  if (streaming_) return;
  MessageRow r;
  r.id = kStreamingId;
  r.role = QStringLiteral("assistant");
  r.streaming = true;
  const int row = int(rows_.size());
  beginInsertRows({}, row, row);
  rows_ << r;
  endInsertRows();
  if (row > 0) emit dataChanged(index(row - 1), index(row - 1), {IsLastRole});
  streaming_ = true;
  emit countChanged();
  emit streamingChanged();
}

void MessageListModel::appendStreaming(const QString& text) {
  if (!streaming_ || text.isEmpty()) return;
  MessageRow& r = rows_.last();
  r.content += text;
  r.segments = segmentsToVariant(splitMarkdown(r.content));
  const QModelIndex i = index(int(rows_.size()) - 1);
  emit dataChanged(i, i, {ContentRole, SegmentsRole, Qt::DisplayRole});
}

void MessageListModel::endStreaming() {
  if (!streaming_) return;
  const int row = int(rows_.size()) - 1;
  beginRemoveRows({}, row, row);
  rows_.removeLast();
  endRemoveRows();
  if (row > 0) emit dataChanged(index(row - 1), index(row - 1), {IsLastRole});
  streaming_ = false;
  emit countChanged();
  emit streamingChanged();
}

QString MessageListModel::contentOf(qint64 messageId) const {
  for (const MessageRow& r : rows_)
    if (r.id == messageId) return r.content;
  return {};
}

QString MessageListModel::roleOf(qint64 messageId) const {
  for (const MessageRow& r : rows_)
    if (r.id == messageId) return r.role;
  return {};
}

QString MessageListModel::lastAnswer() const {
  for (auto it = rows_.crbegin(); it != rows_.crend(); ++it)
    if (it->role == QLatin1String("assistant") && !it->content.isEmpty()) return it->content;
  return {};
}

qint64 MessageListModel::lastMessageId() const {
  for (auto it = rows_.crbegin(); it != rows_.crend(); ++it)
    if (it->id > 0) return it->id;
  return 0;
}

}  // namespace coil::app
