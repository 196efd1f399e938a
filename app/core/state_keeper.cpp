#include "state_keeper.hpp"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "coil/error.hpp"
#include "database.hpp"
#include "state_store.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

namespace coil::app {

namespace {

// First line of a covered-text file; the text follows it.
QByteArray header(const RecurrentState& s) {
  return QStringLiteral("coil-covered 1 %1 %2\n")
      .arg(s.token_hash, 16, 16, QLatin1Char('0'))
      .arg(s.n_tokens)
      .toUtf8();
}

}  // namespace

StateKeeper::StateKeeper(const QString& dataDir) : dataDir_(dataDir) {
  if (dataDir.isEmpty()) return;
  db_ = std::make_unique<storage::Database>(
      QDir(dataDir).filePath(QLatin1String(storage::Storage::kDatabaseFile)));
  store_ = std::make_unique<storage::StateStore>(*db_, dataDir);
}

StateKeeper::~StateKeeper() = default;

QString StateKeeper::coveredPath(const storage::Checkpoint& c) const {
  return QDir(dataDir_).filePath(
      QStringLiteral("%1/%2.txt")
          .arg(QLatin1String(kCoveredFolder), QFileInfo(c.file).completeBaseName()));
}

storage::Checkpoint StateKeeper::save(qint64 conversationId, qint64 messageId,
                                      const RecurrentState& state, const std::string& coveredText) {
  if (!store_) throw storage::StorageError(QStringLiteral("no data folder to save states in"));
  const auto bytes = serialize_state(state);
  storage::StateInfo info;
  info.conversationId = conversationId;
  info.messageId = messageId;
  info.tokenCount = state.n_tokens;
  info.tokenHash = state.token_hash;
  info.modelFingerprint = state.model_fingerprint;
  const auto c = store_->save(
      info, QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())));
  // Written after the state: a crash in between leaves a state without its text, which
  // load() refuses (the chat is then prefilled from its messages), never a wrong pairing.
  QDir(dataDir_).mkpath(QLatin1String(kCoveredFolder));
  QSaveFile f(coveredPath(c));
  const QByteArray data = header(state) + QByteArray::fromStdString(coveredText);
  if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
    const QString why = f.errorString();
    store_->discard(c.id);
    throw storage::StorageError(QStringLiteral("cannot write %1: %2").arg(f.fileName(), why),
                                why.contains(QLatin1String("space"), Qt::CaseInsensitive)
                                    ? storage::StorageError::Kind::DiskFull
                                    : storage::StorageError::Kind::Generic);
  }
  return c;
}

std::optional<storage::Checkpoint> StateKeeper::nearest(qint64 conversationId, qint64 messageId,
                                                        quint64 fingerprint) const {
  if (!store_) return std::nullopt;
  return store_->nearestAtOrBefore(conversationId, messageId, fingerprint);
}

StateKeeper::Loaded StateKeeper::load(const storage::Checkpoint& c, quint64 fingerprint) const {
  const QByteArray bytes = store_->read(c);
  Loaded out;
  out.state = parse_state(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size()),
                          fingerprint, store_->absolutePath(c).toStdString());
  QFile f(coveredPath(c));
  if (!f.open(QIODevice::ReadOnly))
    throw Error("the text of saved state " + c.file.toStdString() + " is missing");
  const QByteArray data = f.readAll();
  const QByteArray head = header(out.state);
  if (!data.startsWith(head))
    throw Error("the text of saved state " + c.file.toStdString() + " does not match it");
  out.coveredText = data.mid(head.size()).toStdString();
  return out;
}

void StateKeeper::markUsed(qint64 checkpointId) {
  if (store_) store_->markUsed(checkpointId);
}

void StateKeeper::discard(qint64 checkpointId) {
  if (!store_) return;
  const auto c = store_->checkpoint(checkpointId);
  store_->discard(checkpointId);
  if (c) QFile::remove(coveredPath(*c));
}

int StateKeeper::removeStaleTexts() const {
  if (!store_) return 0;
  const QDir data(dataDir_);
  const QDir states(data.filePath(QLatin1String(storage::StateStore::kStatesFolder)));
  int removed = 0;
  QDirIterator it(data.filePath(QLatin1String(kCoveredFolder)), {QStringLiteral("*.txt")},
                  QDir::Files);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString state = QFileInfo(path).completeBaseName() + QStringLiteral(".coilstate");
    if (!states.exists(state) && QFile::remove(path)) ++removed;
  }
  return removed;
}

}  // namespace coil::app
