#include "pending_attachments.hpp"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <utility>

#include "format.hpp"
#include "format_bytes.hpp"
#include "inference_worker.hpp"
#include "worker_host.hpp"

namespace coil::app {

PendingAttachments::PendingAttachments(WorkerHost* host, QObject* parent)
    : QAbstractListModel(parent), host_(host) {
  connect(host_->worker(), &InferenceWorker::tokensCounted, this, &PendingAttachments::onCounted);
}

PendingAttachments::~PendingAttachments() {
  // A read still running finishes on the pool; its watcher (a child) is gone by then.
  for (Item& item : items_)
    if (item.watcher) item.watcher->disconnect(this);
  for (QList<Item>& list : parked_)
    for (Item& item : list)
      if (item.watcher) item.watcher->disconnect(this);
}

int PendingAttachments::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(items_.size());
}

QVariant PendingAttachments::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const Item& item = items_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
    case NameRole:
      return item.attachment.name;
    case SizeTextRole:
      return item.attachment.bytes > 0 ? hub::formatBytes(item.attachment.bytes) : QString();
    case FormatRole:
      return item.attachment.format;
    case TokensRole:
      return item.status == Ready ? item.attachment.tokenCount : qint64(-1);
    case StatusRole:
      return int(item.status);
    case ErrorRole:
      return item.error;
    default:
      return {};
  }
}

QHash<int, QByteArray> PendingAttachments::roleNames() const {
  return {{NameRole, "name"},     {SizeTextRole, "sizeText"}, {FormatRole, "format"},
          {TokensRole, "tokens"}, {StatusRole, "status"},     {ErrorRole, "error"}};
}

bool PendingAttachments::busy() const {
  return std::any_of(items_.cbegin(), items_.cend(),
                     [](const Item& i) { return i.status == Reading || i.status == Counting; });
}

int PendingAttachments::readyCount() const {
  return int(std::count_if(items_.cbegin(), items_.cend(),
                           [](const Item& i) { return i.status == Ready; }));
}

QString PendingAttachments::estimateText() const {
  qint64 tokens = 0;
  bool unknown = false;
  for (const Item& i : items_) {
    if (i.status != Ready) continue;
    if (i.attachment.tokenCount > 0)
      tokens += i.attachment.tokenCount;
    else
      unknown = true;
  }
  if (tokens == 0) return unknown ? tr("Load a model to count the tokens") : QString();
  const QString count = formatCount(tokens, "token", "tokens");
  if (prefillTokensPerS_ <= 0)
    return tr("%1 to read; the reading time shows once this model has answered once").arg(count);
  const QString time = formatDuration(double(tokens) / prefillTokensPerS_);
  return tr("%1 to read: %2 on %3 (%4 tokens/s measured); later questions about it start at "
            "once")
      .arg(count, time, backend_.isEmpty() ? tr("this machine") : backend_.toUpper(),
           formatRate(prefillTokensPerS_));
}

void PendingAttachments::setLimitMB(double mb) {
  const qint64 bytes = qint64(mb * 1e6);
  if (bytes <= 0 || bytes == limitBytes_) return;
  limitBytes_ = bytes;
  emit limitChanged();
}

void PendingAttachments::addFiles(const QVariantList& urls) {
  for (const QVariant& v : urls) {
    const QUrl url = v.toUrl();
    addFile(url.isLocalFile() ? url.toLocalFile() : v.toString());
  }
}

void PendingAttachments::addFile(const QString& path) {
  if (path.isEmpty()) return;
  Item item;
  item.key = nextKey_++;
  item.status = Reading;
  item.attachment.name = QFileInfo(path).fileName();
  item.attachment.bytes = QFileInfo(path).size();
  item.watcher = new QFutureWatcher<ReadResult>(this);
  const qint64 key = item.key;
  connect(item.watcher, &QFutureWatcherBase::finished, this, [this, key] { onRead(key); });
  beginInsertRows({}, int(items_.size()), int(items_.size()));
  items_ << item;
  endInsertRows();
  emit changed();
  // Off the GUI thread: a PDF of many pages takes a while.
  item.watcher->setFuture(QtConcurrent::run([path, limit = limitBytes_] {
    ReadResult r;
    try {
      r.document = readAttachment(path, limit);
    } catch (const AttachmentError& e) {
      r.error = e.message();
    } catch (const std::exception& e) {
      r.error =
          QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), QString::fromUtf8(e.what()));
    }
    return r;
  }));
}

int PendingAttachments::rowOf(qint64 key) const {
  for (qsizetype i = 0; i < items_.size(); ++i)
    if (items_[i].key == key) return int(i);
  return -1;
}

PendingAttachments::Item* PendingAttachments::find(qint64 key, int* row) {
  *row = rowOf(key);
  if (*row >= 0) return &items_[*row];
  for (QList<Item>& list : parked_)
    for (Item& item : list)
      if (item.key == key) return &item;
  return nullptr;
}

void PendingAttachments::update(int row) {
  if (row < 0) return;  // a parked chip: nothing shown changed
  emit dataChanged(index(row), index(row));
  emit changed();
}

void PendingAttachments::onRead(qint64 key) {
  int row = -1;
  Item* found = find(key, &row);
  if (!found) return;
  Item& item = *found;
  QFutureWatcher<ReadResult>* watcher = std::exchange(item.watcher, nullptr);
  const ReadResult r = watcher->result();
  if (r.error.isEmpty()) {
    const ExtractedDocument& d = r.document;
    item.attachment = {d.name, d.bytes, d.format, 0, d.text};
    item.status = Counting;
    host_->countTokens(key, d.text);
  } else {
    item.status = Failed;
    item.error = r.error;
  }
  watcher->deleteLater();
  update(row);
}

void PendingAttachments::onCounted(qint64 key, qint64 tokens) {
  int row = -1;
  Item* found = find(key, &row);
  if (!found) return;
  Item& item = *found;
  if (item.status == Failed) return;
  item.attachment.tokenCount = std::max<qint64>(0, tokens);
  item.status = Ready;
  update(row);
}

void PendingAttachments::remove(int row) {
  if (row < 0 || row >= items_.size()) return;
  beginRemoveRows({}, row, row);
  Item item = items_.takeAt(row);
  endRemoveRows();
  if (item.watcher) {
    item.watcher->disconnect(this);
    item.watcher->deleteLater();
  }
  emit changed();
}

void PendingAttachments::clear() {
  while (!items_.isEmpty()) remove(int(items_.size()) - 1);
}

QList<storage::Attachment> PendingAttachments::ready() const {
  QList<storage::Attachment> out;
  for (const Item& i : items_)
    if (i.status == Ready) out << i.attachment;
  return out;
}

QList<storage::Attachment> PendingAttachments::take() {
  QList<storage::Attachment> out = ready();
  clear();
  return out;
}

void PendingAttachments::setPrefillSpeed(double tokensPerS, const QString& backend) {
  prefillTokensPerS_ = tokensPerS;
  backend_ = backend;
  emit changed();
}

void PendingAttachments::recount() {
  const auto count = [this](Item& item) {
    if (item.status != Ready && item.status != Counting) return;
    item.status = Counting;
    host_->countTokens(item.key, item.attachment.text);
  };
  for (Item& item : items_) count(item);
  for (QList<Item>& list : parked_)
    for (Item& item : list) count(item);
  if (!items_.isEmpty()) {
    emit dataChanged(index(0), index(int(items_.size()) - 1));
    emit changed();
  }
}

void PendingAttachments::setConversation(qint64 conversationId, bool carry) {
  if (conversationId == conversation_) return;
  const qint64 left = std::exchange(conversation_, conversationId);
  if (carry) return;
  beginResetModel();
  if (!items_.isEmpty()) parked_.insert(left, std::exchange(items_, {}));
  items_ = parked_.take(conversationId);
  endResetModel();
  emit changed();
}

void PendingAttachments::forgetConversation(qint64 conversationId) {
  for (Item& item : parked_.take(conversationId))
    if (item.watcher) {
      item.watcher->disconnect(this);
      item.watcher->deleteLater();
    }
}

}  // namespace coil::app
