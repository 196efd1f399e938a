// The sidebar's conversations: pinned first, then the most recently updated.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "chat_types.hpp"
#include "synced_list_model.hpp"

namespace coil::app {

class ConversationListModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.conversations")
  Q_PROPERTY(qint64 currentId READ currentId NOTIFY currentIdChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    TitleRole,
    PinnedRole,
    UpdatedAtRole,
    ModelRole,
    CurrentRole,
    SectionRole,
  };
  Q_ENUM(Role)

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  void setConversations(const QList<storage::Conversation>& conversations);
  void setCurrentId(qint64 id);
  qint64 currentId() const { return currentId_; }
  Q_INVOKABLE int rowOf(qint64 conversationId) const;
  Q_INVOKABLE QString titleOf(qint64 conversationId) const;

 signals:
  void currentIdChanged();

 private:
  QList<storage::Conversation> rows_;
  qint64 currentId_ = 0;
};

}  // namespace coil::app
