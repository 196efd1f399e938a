#include "search_results_model.hpp"

#include "chat_store.hpp"

namespace coil::app {

SearchResultsModel::SearchResultsModel(storage::ChatStore* store, QObject* parent)
    : SyncedListModel(parent), store_(store) {}

int SearchResultsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant SearchResultsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const storage::SearchHit& h = rows_[index.row()];
  switch (role) {
    case ConversationIdRole:
      return h.conversationId;
    case MessageIdRole:
      return h.messageId;
    case TitleRole:
      return h.conversationTitle.isEmpty() ? tr("New chat") : h.conversationTitle;
    case MessageRoleRole:
      return h.role;
    case SnippetRole:
      return h.snippet;
    case Qt::DisplayRole:
    case SnippetTextRole:
      return h.snippetText;
  }
  return {};
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
  return {{ConversationIdRole, "conversationId"},
          {MessageIdRole, "messageId"},
          {TitleRole, "title"},
          {MessageRoleRole, "role"},
          {SnippetRole, "snippet"},
          {SnippetTextRole, "snippetText"}};
}

void SearchResultsModel::setQuery(const QString& query) {
  if (query == query_) return;
  query_ = query;
  emit queryChanged();
  refresh();
}

void SearchResultsModel::refresh() {
  QList<storage::SearchHit> hits;
  if (store_ && active()) {
    try {
      hits = store_->search(query_);
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
  }
  sync(rows_, hits, [](const storage::SearchHit& h) { return h.messageId; });
}

}  // namespace coil::app
