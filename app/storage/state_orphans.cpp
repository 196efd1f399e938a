// StateStore: reconciling the state_checkpoints rows with the files on disk.
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSet>

#include "atomic_file.hpp"
#include "database.hpp"
#include "state_store.hpp"
#include "transaction.hpp"

namespace coil::storage {

OrphanReport StateStore::cleanOrphans() {
  OrphanReport report;
  if (dataDir_.isEmpty()) return report;
  const QDir dir(dataDir_);
  QSet<QString> referenced;
  {
    Transaction tx(db_);
    QList<qint64> bad;
    Statement st = db_.prepare("SELECT id, file, bytes FROM state_checkpoints");
    while (st.step()) {
      const QFileInfo fi(dir.filePath(st.text(1)));
      if (!fi.isFile() || fi.size() != st.int64(2))
        bad << st.int64(0);
      else
        referenced.insert(QDir::cleanPath(st.text(1)));
    }
    Statement del = db_.prepare("DELETE FROM state_checkpoints WHERE id = ?");
    for (qint64 id : bad) {
      del.reset();
      del.bindAll(id);
      del.exec();
    }
    tx.commit();
    report.rowsRemoved = int(bad.size());
  }
  const QString states = dir.filePath(QLatin1String(kStatesFolder));
  QDirIterator it(states, QDir::Files | QDir::Hidden | QDir::System);
  while (it.hasNext()) {
    const QString abs = it.next();
    if (referenced.contains(QDir::cleanPath(dir.relativeFilePath(abs)))) continue;
    if (QFile::remove(abs)) ++report.filesRemoved;
  }
  if (report.filesRemoved > 0) syncDirectory(states);
  return report;
}

}  // namespace coil::storage
