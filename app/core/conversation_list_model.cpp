#include "conversation_list_model.hpp"

#include <QDateTime>

namespace coil::app {

int ConversationListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const storage::Conversation& c = rows_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
      return c.title.isEmpty() ? tr("New chat") : c.title;
    case IdRole:
      return c.id;
    case PinnedRole:
      return c.pinned;
    case UpdatedAtRole:
      return QDateTime::fromMSecsSinceEpoch(c.updatedAt);
    case ModelRole:
      return c.modelId;
    case CurrentRole:
      return c.id == currentId_;
    case SectionRole:
      return c.pinned ? tr("Pinned") : tr("Chats");
  }
  return {};
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
  return {{IdRole, "conversationId"},   {TitleRole, "title"},   {PinnedRole, "pinned"},
          {UpdatedAtRole, "updatedAt"}, {ModelRole, "modelId"}, {CurrentRole, "current"},
          {SectionRole, "section"}};
}

void ConversationListModel::setConversations(const QList<storage::Conversation>& conversations) {
  sync(rows_, conversations, [](const storage::Conversation& c) { return c.id; });
}

void ConversationListModel::setCurrentId(qint64 id) {
  if (id == currentId_) return;
  const int before = rowOf(currentId_);
  currentId_ = id;
  const int after = rowOf(id);
  for (int row : {before, after})
    if (row >= 0) emit dataChanged(index(row), index(row), {CurrentRole});
  emit currentIdChanged();
}

int ConversationListModel::rowOf(qint64 conversationId) const {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == conversationId) return i;
  return -1;
}

QString ConversationListModel::titleOf(qint64 conversationId) const {
  const int row = rowOf(conversationId);
  return row < 0 ? QString() : data(index(row), TitleRole).toString();
}

}  // namespace coil::app
