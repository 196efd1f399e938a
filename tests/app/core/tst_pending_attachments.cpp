// The composer's attachments (PendingAttachments, under QAbstractItemModelTester): files are
// read off the GUI thread, counted by the worker's tokenizer, refused ones keep their
// reason; take() hands over the ready ones and empties the list; the estimate uses the
// measured prefill speed.
#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

#include "attachment_fixtures.hpp"
#include "fixture_model.hpp"
#include "inference_worker.hpp"
#include "pending_attachments.hpp"
#include "signal_log.hpp"
#include "worker_host.hpp"

using namespace coil::app;

class TestPendingAttachments : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString files_;

  QVariant role(const PendingAttachments& m, int row, PendingAttachments::Role r) {
    return m.data(m.index(row), r);
  }

 private slots:
  void initTestCase() { files_ = coil::test::attachmentFixturesDir(); }

  void withoutAModelTheTokensAreUnknown() {
    WorkerHost host{QString()};
    PendingAttachments m(&host);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.addFile(files_ + "/notes.md");
    QCOMPARE(m.count(), 1);
    QCOMPARE(role(m, 0, PendingAttachments::StatusRole).toInt(), int(PendingAttachments::Reading));
    QVERIFY(m.busy());
    QTRY_VERIFY_WITH_TIMEOUT(!m.busy(), 30000);
    QCOMPARE(role(m, 0, PendingAttachments::StatusRole).toInt(), int(PendingAttachments::Ready));
    QCOMPARE(m.estimateText(), QStringLiteral("Load a model to count the tokens"));
  }

  void readCountedRefusedAndTaken() {
    WorkerHost host{QString()};
    coil::test::SignalLog loaded(host.worker(), &InferenceWorker::modelLoaded);
    host.load({coil::test::makeFixtureModel(tmp_.filePath("model")), "cpu"});
    QVERIFY(loaded.wait());
    PendingAttachments m(&host);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.addFiles({QUrl::fromLocalFile(files_ + "/notes.md"),
                QUrl::fromLocalFile(files_ + "/binary.dat"),
                QUrl::fromLocalFile(files_ + "/main.cpp")});
    QCOMPARE(m.count(), 3);
    QTRY_VERIFY_WITH_TIMEOUT(!m.busy(), 30000);
    QCOMPARE(m.readyCount(), 2);
    // the byte-level fixture tokenizer: one token per byte of the text
    QCOMPARE(role(m, 0, PendingAttachments::TokensRole).toLongLong(),
             qint64(QByteArray("# Notes\n\nThe *café* opens at nine.\n").size()));
    QCOMPARE(role(m, 1, PendingAttachments::StatusRole).toInt(), int(PendingAttachments::Failed));
    QVERIFY(role(m, 1, PendingAttachments::ErrorRole).toString().startsWith("binary.dat: "));
    QCOMPARE(role(m, 1, PendingAttachments::TokensRole).toLongLong(), -1);
    QCOMPARE(role(m, 2, PendingAttachments::FormatRole).toString(), QStringLiteral("Source code"));

    QVERIFY(m.estimateText().contains(QLatin1String("the reading time shows once")));
    m.setPrefillSpeed(10, QStringLiteral("cpu"));
    const qint64 tokens = role(m, 0, PendingAttachments::TokensRole).toLongLong() +
                          role(m, 2, PendingAttachments::TokensRole).toLongLong();
    QVERIFY2(m.estimateText().contains(QStringLiteral("%1 tokens to read: about %2 s on CPU")
                                           .arg(tokens)
                                           .arg(qRound(tokens / 10.0))),
             qPrintable(m.estimateText()));

    m.remove(2);
    QCOMPARE(m.count(), 2);
    const QList<coil::storage::Attachment> taken = m.take();
    QCOMPARE(taken.size(), 1);
    QCOMPARE(taken[0].name, QStringLiteral("notes.md"));
    QCOMPARE(taken[0].format, QStringLiteral("Markdown"));
    QVERIFY(taken[0].tokenCount > 0);
    QCOMPARE(m.count(), 0);  // the refused one is gone too
  }

  void overTheLimit() {
    WorkerHost host{QString()};
    PendingAttachments m(&host);
    m.setLimitMB(0.00002);  // 20 bytes
    m.addFile(files_ + "/notes.md");
    QTRY_VERIFY_WITH_TIMEOUT(!m.busy(), 30000);
    QVERIFY2(role(m, 0, PendingAttachments::ErrorRole).toString().contains("over the 20 B limit"),
             qPrintable(role(m, 0, PendingAttachments::ErrorRole).toString()));
    QVERIFY(m.take().isEmpty());
  }

  // Chips belong to the chat they were added in: another chat shows none, coming back shows
  // them again, a read that ends while parked lands on its own chip; carry keeps them.
  void chipsStayWithTheirChat() {
    WorkerHost host{QString()};
    PendingAttachments m(&host);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setConversation(7);
    m.addFile(files_ + "/notes.md");
    m.setConversation(8);  // left while the file is still being read
    QCOMPARE(m.count(), 0);
    QVERIFY(!m.busy());
    m.addFile(files_ + "/main.cpp");
    QTRY_VERIFY_WITH_TIMEOUT(!m.busy(), 30000);
    m.setConversation(7);
    QCOMPARE(m.count(), 1);
    QCOMPARE(role(m, 0, PendingAttachments::NameRole).toString(), QStringLiteral("notes.md"));
    QTRY_VERIFY_WITH_TIMEOUT(!m.busy(), 30000);
    QCOMPARE(role(m, 0, PendingAttachments::StatusRole).toInt(), int(PendingAttachments::Ready));
    m.setConversation(8);
    QCOMPARE(m.count(), 1);
    QCOMPARE(role(m, 0, PendingAttachments::NameRole).toString(), QStringLiteral("main.cpp"));
    m.setConversation(9, /*carry=*/true);
    QCOMPARE(m.count(), 1);
    m.setConversation(8);
    QCOMPARE(m.count(), 0);
    // a deleted chat's chips go with it (SQLite may give its id to the next chat)
    m.forgetConversation(7);
    m.setConversation(7);
    QCOMPARE(m.count(), 0);
  }
};

QTEST_MAIN(TestPendingAttachments)
#include "tst_pending_attachments.moc"
