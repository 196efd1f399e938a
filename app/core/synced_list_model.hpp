// A list model base that replaces its rows with a new list by the smallest set of
// remove / move / insert steps (matched by id), then reports the rest as changed. Views
// keep their delegates, scroll position and animations instead of being reset.
#pragma once
#include <QAbstractListModel>
#include <QList>

namespace coil::app {

class SyncedListModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)

 public:
  using QAbstractListModel::QAbstractListModel;
  int count() const { return rowCount(); }

 signals:
  void countChanged();

 protected:
  template <class T, class IdOf>
  void sync(QList<T>& rows, const QList<T>& next, IdOf idOf);
};

template <class T, class IdOf>
void SyncedListModel::sync(QList<T>& rows, const QList<T>& next, IdOf idOf) {
  const int before = int(rows.size());
  QList<decltype(idOf(next.front()))> wanted;
  for (const T& t : next) wanted << idOf(t);
  for (int i = int(rows.size()) - 1; i >= 0; --i) {
    if (wanted.contains(idOf(rows[i]))) continue;
    beginRemoveRows({}, i, i);
    rows.removeAt(i);
    endRemoveRows();
  }
  for (int i = 0; i < int(next.size()); ++i) {
    if (i < rows.size() && idOf(rows[i]) == wanted[i]) {
      rows[i] = next[i];
      continue;
    }
    int j = i + 1;
    while (j < rows.size() && idOf(rows[j]) != wanted[i]) ++j;
    if (j < rows.size()) {
      beginMoveRows({}, j, j, {}, i);
      rows.move(j, i);
      endMoveRows();
      rows[i] = next[i];
    } else {
      beginInsertRows({}, i, i);
      rows.insert(i, next[i]);
      endInsertRows();
    }
  }
  if (!rows.isEmpty()) emit dataChanged(index(0), index(int(rows.size()) - 1));
  if (before != rows.size()) emit countChanged();
}

}  // namespace coil::app
