// Storage: opening a data folder (migrations, the legacy text import, orphan cleanup).
#include "storage.hpp"

#include <QDir>

#include "legacy_covered_text.hpp"
#include "migrations.hpp"
#include "storage_error.hpp"

namespace coil::storage {

namespace {

QString prepareFolder(const QString& dataDir) {
  if (dataDir.isEmpty()) throw StorageError(QStringLiteral("no data folder given"));
  if (!QDir().mkpath(dataDir))
    throw StorageError(QStringLiteral("cannot create the data folder %1").arg(dataDir));
  return QDir(dataDir).filePath(QLatin1String(Storage::kDatabaseFile));
}

}  // namespace

Storage::Storage(const QString& dataDir, Options options)
    : Storage(dataDir, prepareFolder(dataDir), std::move(options)) {}

Storage::Storage(const QString& dataDir, const QString& dbPath, Options options)
    : dataDir_(dataDir), db_(std::make_unique<Database>(dbPath)) {
  migrate(*db_);
  if (!dataDir_.isEmpty()) legacyTextsImported_ = importLegacyCoveredTexts(*db_, dataDir_);
  chats_ = std::make_unique<ChatStore>(*db_, dataDir_, options.clock);
  states_ = std::make_unique<StateStore>(*db_, dataDir_, options.clock);
  if (options.cleanOrphans && !dataDir_.isEmpty()) openReport_ = states_->cleanOrphans();
}

std::unique_ptr<Storage> Storage::inMemory(Clock clock) {
  return std::unique_ptr<Storage>(
      new Storage(QString(), QStringLiteral(":memory:"), Options{std::move(clock), false}));
}

}  // namespace coil::storage
