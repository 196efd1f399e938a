// Moving the covered/*.txt files of schema v4 data folders into state_checkpoints.
#include "legacy_covered_text.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QList>
#include <optional>

#include "database.hpp"
#include "transaction.hpp"

namespace coil::storage {

namespace {

// The text after the header line, if the header names this token hash and count.
std::optional<QByteArray> textOf(const QByteArray& data, quint64 tokenHash, qint64 tokenCount) {
  const QByteArray header = QStringLiteral("coil-covered 1 %1 %2\n")
                                .arg(tokenHash, 16, 16, QLatin1Char('0'))
                                .arg(tokenCount)
                                .toUtf8();
  if (!data.startsWith(header)) return std::nullopt;
  return data.mid(header.size());
}

}  // namespace

int importLegacyCoveredTexts(Database& db, const QString& dataDir) {
  if (dataDir.isEmpty()) return 0;
  const QDir folder(QDir(dataDir).filePath(QLatin1String(kLegacyCoveredFolder)));
  if (!folder.exists()) return 0;
  struct Row {
    qint64 id;
    QString file;
    quint64 tokenHash;
    qint64 tokenCount;
  };
  int imported = 0;
  {
    Transaction tx(db);
    QList<Row> rows;
    Statement st = db.prepare(
        "SELECT id, file, token_hash, token_count FROM state_checkpoints "
        "WHERE covered_text IS NULL");
    while (st.step()) rows.append({st.int64(0), st.text(1), quint64(st.int64(2)), st.int64(3)});
    for (const Row& r : rows) {
      QFile f(folder.filePath(QFileInfo(r.file).completeBaseName() + QStringLiteral(".txt")));
      if (!f.open(QIODevice::ReadOnly)) continue;
      const auto text = textOf(f.readAll(), r.tokenHash, r.tokenCount);
      if (!text) continue;
      db.run("UPDATE state_checkpoints SET covered_text = ? WHERE id = ?", *text, r.id);
      ++imported;
    }
    tx.commit();
  }
  // Only once the texts are committed: a crash before this repeats the import, which then
  // finds nothing left to do but this.
  QDir(folder).removeRecursively();
  return imported;
}

}  // namespace coil::storage
