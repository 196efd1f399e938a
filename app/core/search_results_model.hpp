// Full-text search over every message (SQLite FTS5 through coil_storage). Setting `query`
// runs the search; an empty query gives no results.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "chat_types.hpp"
#include "synced_list_model.hpp"

namespace coil::storage {
class ChatStore;
}

namespace coil::app {

class SearchResultsModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.search")
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
  Q_PROPERTY(bool active READ active NOTIFY queryChanged)

 public:
  enum Role {
    ConversationIdRole = Qt::UserRole + 1,
    MessageIdRole,
    TitleRole,
    MessageRoleRole,
    SnippetRole,      // HTML: matches in <b>
    SnippetTextRole,  // plain
  };
  Q_ENUM(Role)

  explicit SearchResultsModel(storage::ChatStore* store, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  QString query() const { return query_; }
  void setQuery(const QString& query);
  bool active() const { return !query_.trimmed().isEmpty(); }
  // Runs the query again (after messages changed).
  Q_INVOKABLE void refresh();

 signals:
  void queryChanged();
  void failed(const QString& reason);

 private:
  storage::ChatStore* store_;
  QString query_;
  QList<storage::SearchHit> rows_;
};

}  // namespace coil::app
