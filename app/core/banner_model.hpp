// Readable banners above the chat: what went wrong (or what Coil did about it) and what the
// user can do. One banner per key: showing a key again replaces its banner.
#pragma once
#include <QtQml/qqmlregistration.h>

#include "synced_list_model.hpp"

namespace coil::app {

class BannerModel : public SyncedListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.banners")

 public:
  enum Role { KeyRole = Qt::UserRole + 1, LevelRole, TitleRole, TextRole, HintRole, DetailsRole };
  Q_ENUM(Role)
  // How a banner looks: its colour and icon (QML: BannerModel.Error, ...).
  enum Level { Info, Warning, Error };
  Q_ENUM(Level)

  struct Banner {
    QString key;  // e.g. "model-load", "fallback", "disk-full"
    Level level;
    QString title;
    QString text;  // the reason
    QString hint;  // what to do
    // Shown behind a "Details" toggle (the engine's technical reason, for instance).
    QString details = {};

    bool operator==(const Banner&) const = default;
  };

  using SyncedListModel::SyncedListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  void show(const Banner& banner);
  Q_INVOKABLE void dismiss(const QString& key);
  // The person closed the banner (its x): dismissed, and closed() tells whoever may want to
  // remember it.
  Q_INVOKABLE void close(const QString& key);
  Q_INVOKABLE bool has(const QString& key) const;
  QList<Banner> banners() const { return rows_; }

 signals:
  void closed(const QString& key);

 private:
  QList<Banner> rows_;
};

using Banner = BannerModel::Banner;

}  // namespace coil::app
