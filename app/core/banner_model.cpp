#include "banner_model.hpp"

namespace coil::app {

int BannerModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QVariant BannerModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Banner& b = rows_[index.row()];
  switch (role) {
    case KeyRole:
      return b.key;
    case LevelRole:
      return int(b.level);
    case Qt::DisplayRole:
    case TitleRole:
      return b.title;
    case TextRole:
      return b.text;
    case HintRole:
      return b.hint;
    case DetailsRole:
      return b.details;
  }
  return {};
}

QHash<int, QByteArray> BannerModel::roleNames() const {
  return {{KeyRole, "key"},   {LevelRole, "level"}, {TitleRole, "title"},
          {TextRole, "text"}, {HintRole, "hint"},   {DetailsRole, "details"}};
}

void BannerModel::show(const Banner& banner) {
  QList<Banner> next = rows_;
  next.removeIf([&](const Banner& b) { return b.key == banner.key; });
  next.prepend(banner);
  sync(rows_, next, [](const Banner& b) { return b.key; });
}

void BannerModel::dismiss(const QString& key) {
  QList<Banner> next = rows_;
  next.removeIf([&](const Banner& b) { return b.key == key; });
  sync(rows_, next, [](const Banner& b) { return b.key; });
}

void BannerModel::close(const QString& key) {
  if (!has(key)) return;
  dismiss(key);
  emit closed(key);
}

bool BannerModel::has(const QString& key) const {
  return std::any_of(rows_.cbegin(), rows_.cend(), [&](const Banner& b) { return b.key == key; });
}

}  // namespace coil::app
