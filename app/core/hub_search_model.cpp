#include "hub_search_model.hpp"

#include <QVariantMap>

#include "format_bytes.hpp"
#include "resource_estimate.hpp"

namespace coil::app {

int HubSearchModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

QString HubSearchModel::compactNumber(qint64 n) {
  if (n >= 1000000) return QStringLiteral("%1M").arg(double(n) / 1e6, 0, 'f', 1);
  if (n >= 1000) return QStringLiteral("%1k").arg(double(n) / 1e3, 0, 'f', 1);
  return QString::number(n);
}

QVariant HubSearchModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const HubSearchRow& r = rows_[index.row()];
  const hub::ModelSummary& m = r.summary;
  switch (role) {
    case Qt::DisplayRole:
    case RepoIdRole:
      return m.id;
    case NameRole:
      return m.id.section(QLatin1Char('/'), 1);
    case AuthorRole:
      return m.id.section(QLatin1Char('/'), 0, 0);
    case DownloadsRole:
      return m.downloads;
    case DownloadsTextRole:
      return compactNumber(m.downloads);
    case LikesRole:
      return m.likes;
    case LikesTextRole:
      return compactNumber(m.likes);
    case UpdatedTextRole:
      return m.lastModified.isValid() ? m.lastModified.date().toString(Qt::ISODate) : QString();
    case CompatibleRole:
      return m.compatible;
    case ReasonRole:
      return m.incompatibleReason;
    case GatedRole:
      return m.isGated();
    case NeedsTokenRole:
      return r.needsToken;
    case CuratedRole:
      return r.curated;
    case SizeBytesRole:
      return r.sizeBytes;
    case SizeTextRole:
      return r.sizeBytes >= 0 ? hub::formatBytes(r.sizeBytes) : QString();
    case DetailsPendingRole:
      return r.detailsPending;
    case FitRole:
      return r.fit.badge();
    case InstalledRole:
      return r.installed;
    case DownloadStatusRole:
      return int(r.downloadStatus);
    case ChoicesRole: {
      QVariantList out;
      for (const HubSearchChoice& c : r.choices)
        out << QVariantMap{{QStringLiteral("quant"), c.quant},
                           {QStringLiteral("label"),
                            c.unavailable.isEmpty() ? QStringLiteral("%1 · %2").arg(
                                                          c.quant, hub::formatBytes(c.sizeBytes))
                                                    : tr("%1 · missing").arg(c.quant)},
                           {QStringLiteral("unavailable"), c.unavailable},
                           {QStringLiteral("sizeText"), hub::formatBytes(c.sizeBytes)},
                           {QStringLiteral("fit"), c.fit.badge()},
                           {QStringLiteral("installed"), c.installed},
                           {QStringLiteral("downloadStatus"), int(c.downloadStatus)}};
      return out;
    }
    case DefaultChoiceRole:
      return r.defaultChoice;
  }
  return {};
}

QHash<int, QByteArray> HubSearchModel::roleNames() const {
  return {{RepoIdRole, "repoId"},
          {NameRole, "name"},
          {AuthorRole, "author"},
          {DownloadsRole, "downloads"},
          {DownloadsTextRole, "downloadsText"},
          {LikesRole, "likes"},
          {LikesTextRole, "likesText"},
          {UpdatedTextRole, "updatedText"},
          {CompatibleRole, "compatible"},
          {ReasonRole, "reason"},
          {GatedRole, "gated"},
          {NeedsTokenRole, "needsToken"},
          {CuratedRole, "curated"},
          {SizeBytesRole, "sizeBytes"},
          {SizeTextRole, "sizeText"},
          {DetailsPendingRole, "detailsPending"},
          {FitRole, "fit"},
          {InstalledRole, "installed"},
          {DownloadStatusRole, "downloadStatus"},
          {ChoicesRole, "choices"},
          {DefaultChoiceRole, "defaultChoice"}};
}

void HubSearchModel::setRows(const QList<HubSearchRow>& rows) {
  sync(rows_, rows, [](const HubSearchRow& r) { return r.summary.id; });
}

int HubSearchModel::rowOf(const QString& repoId) const {
  for (int i = 0; i < rows_.size(); ++i)
    if (rows_[i].summary.id == repoId) return i;
  return -1;
}

}  // namespace coil::app
