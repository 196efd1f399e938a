// The SQLite wrapper: binding and reading values, transactions and savepoints, errors,
// connection settings.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "database.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

using namespace coil::storage;

class TestDatabase : public QObject {
  Q_OBJECT

 private slots:
  void bindsAndReadsEveryType() {
    Database db(QStringLiteral(":memory:"));
    db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n INTEGER)");
    const QByteArray blob("\x00\x01\xff", 3);
    const qint64 big = Q_INT64_C(0x7fffffffffffff01);
    db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", big, 2.5, QStringLiteral("héllo ✓"), blob,
           std::optional<qint64>());
    QCOMPARE(db.lastInsertId(), 1);
    QCOMPARE(db.changes(), 1);
    Statement st = db.prepare("SELECT i, r, s, b, n FROM t");
    QVERIFY(st.step());
    QCOMPARE(st.int64(0), big);
    QCOMPARE(st.real(1), 2.5);
    QCOMPARE(st.text(2), QStringLiteral("héllo ✓"));
    QCOMPARE(st.blob(3), blob);
    QVERIFY(st.isNull(4));
    QCOMPARE(st.optInt64(4), std::nullopt);
    QCOMPARE(st.optInt64(0), std::optional<qint64>(big));
    QVERIFY(!st.step());
  }

  void unsignedValuesRoundTripBitExact() {
    Database db(QStringLiteral(":memory:"));
    const quint64 hash = Q_UINT64_C(0xfedcba9876543210);
    QCOMPARE(quint64(db.queryInt("SELECT ?", 0, qint64(hash))), hash);
    QCOMPARE(db.queryInt("SELECT NULL", 42), 42);
    QCOMPARE(db.queryInt("SELECT 1 WHERE 0", 7), 7);
  }

  void transactionRollsBackUnlessCommitted() {
    Database db(QStringLiteral(":memory:"));
    db.exec("CREATE TABLE t (x INTEGER)");
    {
      Transaction tx(db);
      db.run("INSERT INTO t VALUES (1)");
    }
    QCOMPARE(db.queryInt("SELECT COUNT(*) FROM t", -1), 0);
    {
      Transaction tx(db);
      db.run("INSERT INTO t VALUES (1)");
      tx.commit();
    }
    QCOMPARE(db.queryInt("SELECT COUNT(*) FROM t", -1), 1);
    QVERIFY(!db.inTransaction());
  }

  void nestedTransactionsAreSavepoints() {
    Database db(QStringLiteral(":memory:"));
    db.exec("CREATE TABLE t (x INTEGER)");
    {
      Transaction outer(db);
      db.run("INSERT INTO t VALUES (1)");
      {
        Transaction inner(db);
        db.run("INSERT INTO t VALUES (2)");
      }  // inner rolled back alone
      {
        Transaction inner(db);
        db.run("INSERT INTO t VALUES (3)");
        inner.commit();
      }
      QVERIFY(db.inTransaction());
      outer.commit();
    }
    QCOMPARE(db.queryInt("SELECT SUM(x) FROM t", -1), 4);
    {
      Transaction outer(db);
      Transaction inner(db);
      db.run("INSERT INTO t VALUES (100)");
      inner.commit();
    }  // outer rolls back what the committed inner did
    QCOMPARE(db.queryInt("SELECT SUM(x) FROM t", -1), 4);
  }

  void errorsAreReadableExceptions() {
    Database db(QStringLiteral(":memory:"));
    db.exec("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)");
    try {
      db.prepare("SELEC nonsense");
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QVERIFY2(e.message().contains(QLatin1String("syntax error")), qPrintable(e.message()));
    }
    db.run("INSERT INTO t VALUES (1)");
    try {
      db.run("INSERT INTO t VALUES (1)");
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QCOMPARE(e.kind(), StorageError::Kind::Invalid);
      QVERIFY2(e.message().contains(QLatin1String("UNIQUE")), qPrintable(e.message()));
    }
  }

  void fileDatabaseUsesWalAndForeignKeys() {
    QTemporaryDir dir;
    Database db(dir.filePath(QStringLiteral("x.db")));
    QCOMPARE(db.journalMode(), QStringLiteral("wal"));
    QCOMPARE(db.queryInt("PRAGMA foreign_keys", -1), 1);
    QCOMPARE(db.queryInt("PRAGMA synchronous", -1), 2);  // FULL
    db.exec(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (p INTEGER REFERENCES p(id))");
    QVERIFY_THROWS_EXCEPTION(StorageError, db.run("INSERT INTO c VALUES (5)"));
    QCOMPARE(db.integrityCheck(), QStringList{QStringLiteral("ok")});
    QVERIFY(db.foreignKeyCheck().isEmpty());
  }

  void aFileThatIsNotADatabaseFailsAtOpen() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("junk.db"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    try {
      Database db(path);
      QFAIL("no exception");
    } catch (const StorageError& e) {
      QCOMPARE(e.kind(), StorageError::Kind::Corrupt);
    }
  }

  void userVersion() {
    Database db(QStringLiteral(":memory:"));
    QCOMPARE(db.userVersion(), 0);
    db.setUserVersion(7);
    QCOMPARE(db.userVersion(), 7);
  }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
