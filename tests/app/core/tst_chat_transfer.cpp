// Export and import from the window (App.transfer): the file holds what the storage exporter
// makes, a banner says where it went; a folder that refuses the file, an unknown format or a
// file that is not a Coil export writes or adds nothing and says why; an import adds the
// chats and opens the first. Jobs run on their own thread, one at a time.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "app_controller.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_transfer.hpp"
#include "conversation_list_model.hpp"
#include "export.hpp"
#include "storage.hpp"

using namespace coil::app;

namespace {

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Banner transferBanner(const BannerModel& banners) {
  for (const Banner& b : banners.banners())
    if (b.key == QLatin1String("transfer")) return b;
  return {};
}

}  // namespace

class TestChatTransfer : public QObject {
  Q_OBJECT

  // Starts an export and waits for its end; what `exported` said (false if it did not start).
  bool exportAndWait(qint64 chat, const QString& format, const QString& path) {
    QSignalSpy done(app_->transfer(), &ChatTransfer::exported);
    const bool started = chat > 0
                             ? app_->transfer()->exportChat(chat, format, QUrl::fromLocalFile(path))
                             : app_->transfer()->exportAll(format, QUrl::fromLocalFile(path));
    if (!started) return false;
    if (done.isEmpty() && !done.wait(60000)) return false;
    return !app_->transfer()->busy() && done.first().first().toBool();
  }
  // Starts an import and waits for its end: the number of chats added (-1 if it did not start).
  int importAndWait(const QString& path) {
    QSignalSpy done(app_->transfer(), &ChatTransfer::imported);
    if (!app_->transfer()->importFile(QUrl::fromLocalFile(path))) return -1;
    if (done.isEmpty() && !done.wait(60000)) return -1;
    return done.first().first().toInt();
  }

 private slots:
  void init() {
    tmp_ = std::make_unique<QTemporaryDir>();
    QVERIFY(tmp_->isValid());
    qputenv("HOME", tmp_->filePath("home").toUtf8());  // suggestions land in a temporary home
    app_ = std::make_unique<AppController>(
        AppController::Options{tmp_->filePath("data"), QString(), false});
    auto& chats = app_->storage().chats();
    first_ = chats.createConversation(QStringLiteral("Trip: Paris/Lyon?"));
    const qint64 q = chats.addMessage(first_, 0, QStringLiteral("user"), QStringLiteral("Where?"));
    chats.addMessage(first_, q, QStringLiteral("assistant"), QStringLiteral("Lyon, then Paris."));
    second_ = chats.createConversation(QStringLiteral("Second"));
    chats.addMessage(second_, 0, QStringLiteral("user"), QStringLiteral("Hi"));
    app_->chat()->refreshConversations();
  }

  void cleanup() {
    app_.reset();
    tmp_.reset();
  }

  void formatsNameWhatTheExporterKnows() {
    const QVariantList formats = app_->transfer()->formats();
    QCOMPARE(formats.size(), 4);
    for (const QVariant& f : formats) {
      const QString key = f.toMap().value("key").toString();
      QVERIFY2(coil::storage::parseExportFormat(key).has_value(), qPrintable(key));
      QVERIFY(f.toMap().value("filter").toString().contains(
          "*." + coil::storage::fileSuffix(*coil::storage::parseExportFormat(key))));
    }
  }

  void suggestedFileIsNamedAfterTheChat() {
    const QUrl url = app_->transfer()->suggestedFile(first_, "md");
    QVERIFY(url.isLocalFile());
    QVERIFY2(url.toLocalFile().startsWith(tmp_->filePath("home")), qPrintable(url.toLocalFile()));
    QCOMPARE(QFileInfo(url.toLocalFile()).fileName(), QStringLiteral("Trip Paris Lyon.md"));
    const QString all =
        QFileInfo(app_->transfer()->suggestedFile(0, "json").toLocalFile()).fileName();
    QVERIFY2(all.startsWith("coil-chats-") && all.endsWith(".json"), qPrintable(all));
    // the dialogs start in the suggested file's folder (a URL the QML uses as it is)
    const QUrl folder = app_->transfer()->suggestedFolder();
    QCOMPARE(QDir(folder.toLocalFile()).absolutePath(),
             QFileInfo(url.toLocalFile()).absolutePath());
  }

  void exportsOneChatAsTheExporterMakesIt() {
    const QString path = tmp_->filePath("out/../chat.md");
    QVERIFY(QDir(tmp_->path()).mkpath("out"));
    QVERIFY(exportAndWait(first_, "md", path));
    const QByteArray expected = coil::storage::exportConversation(
        app_->storage().chats(), first_, coil::storage::ExportFormat::Markdown);
    QCOMPARE(readAll(path), expected);
    QVERIFY(expected.contains("Lyon, then Paris."));
    const Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, QStringLiteral("info"));
    QVERIFY2(b.text.contains(QFileInfo(path).fileName()), qPrintable(b.text));
  }

  void exportAllThenImportAddsTheChats() {
    const QString path = tmp_->filePath("all.json");
    QVERIFY(exportAndWait(0, "json", path));
    QCOMPARE(readAll(path),
             coil::storage::exportAll(app_->storage().chats(), coil::storage::ExportFormat::Json));
    QCOMPARE(app_->conversations()->rowCount(), 2);
    QCOMPARE(importAndWait(path), 2);
    QCOMPARE(app_->conversations()->rowCount(), 4);
    QCOMPARE(app_->storage().chats().conversations().size(), 4);
    const qint64 opened = app_->chat()->conversationId();
    QVERIFY(opened != first_ && opened != second_ && opened > 0);
    const auto c = app_->storage().chats().conversation(opened);
    QVERIFY(c.has_value());
    // the first chat of the file is the one opened
    const QJsonObject firstInFile = QJsonDocument::fromJson(readAll(path))
                                        .object()
                                        .value("conversations")
                                        .toArray()
                                        .first()
                                        .toObject();
    QCOMPARE(c->title, firstInFile.value("title").toString());
    QCOMPARE(app_->storage().chats().activePath(opened).size(),
             firstInFile.value("messages").toArray().size());
    const Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, QStringLiteral("info"));
    QCOMPARE(b.title, QStringLiteral("2 chats imported"));
  }

  void aFolderThatRefusesTheFileWritesNothingAndSaysWhy() {
    const QString path = tmp_->filePath("no-such-folder/chat.md");
    QVERIFY(!exportAndWait(first_, "md", path));
    QVERIFY(!QFile::exists(path));
    Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, QStringLiteral("error"));
    QVERIFY2(b.text.contains(path), qPrintable(b.text));
    QVERIFY(!b.hint.isEmpty());
    // an existing file stays as it was when the export fails
    const QString existing = tmp_->filePath("keep.md");
    {
      QFile f(existing);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("old");
    }
    QVERIFY(!app_->transfer()->exportChat(first_, "pdf",
                                          QUrl::fromLocalFile(existing)));  // refused at once
    QCOMPARE(readAll(existing), QByteArray("old"));
    b = transferBanner(*app_->banners());
    QVERIFY2(b.text.contains("pdf"), qPrintable(b.text));
    QVERIFY(!exportAndWait(987654, "md", existing));
    QCOMPARE(readAll(existing), QByteArray("old"));
    QCOMPARE(transferBanner(*app_->banners()).level, QStringLiteral("error"));
  }

  void oneJobAtATimeOnItsOwnThread() {
    const QString path = tmp_->filePath("all.json");
    QVERIFY(exportAndWait(0, "json", path));
    QSignalSpy done(app_->transfer(), &ChatTransfer::imported);
    QSignalSpy busy(app_->transfer(), &ChatTransfer::busyChanged);
    QVERIFY(app_->transfer()->importFile(QUrl::fromLocalFile(path)));
    QVERIFY(app_->transfer()->busy());
    QCOMPARE(transferBanner(*app_->banners()).title, QStringLiteral("Importing chats…"));
    // a second job while the first runs is refused and says so; nothing else happens
    QVERIFY(!app_->transfer()->exportAll("md", QUrl::fromLocalFile(tmp_->filePath("x.md"))));
    QCOMPARE(transferBanner(*app_->banners()).level, QStringLiteral("warning"));
    QVERIFY(done.wait(60000));
    QCOMPARE(done.first().first().toInt(), 2);
    QVERIFY(!app_->transfer()->busy());
    QCOMPARE(busy.count(), 2);
    QVERIFY(!QFile::exists(tmp_->filePath("x.md")));
    QCOMPARE(app_->conversations()->rowCount(), 4);
  }

  void aFileThatIsNotAnExportAddsNothing() {
    const QString md = tmp_->filePath("chat.md");
    QVERIFY(exportAndWait(first_, "md", md));
    QCOMPARE(importAndWait(md), 0);
    Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, QStringLiteral("error"));
    QCOMPARE(b.title, QStringLiteral("Nothing was imported"));
    QVERIFY2(b.text.contains("not a valid JSON file"), qPrintable(b.text));
    QCOMPARE(importAndWait(tmp_->filePath("missing.json")), 0);
    b = transferBanner(*app_->banners());
    QVERIFY2(b.text.contains("missing.json"), qPrintable(b.text));
    QCOMPARE(app_->storage().chats().conversations().size(), 2);
    QCOMPARE(app_->conversations()->rowCount(), 2);
  }

 private:
  std::unique_ptr<QTemporaryDir> tmp_;
  std::unique_ptr<AppController> app_;
  qint64 first_ = 0;
  qint64 second_ = 0;
};

QTEST_MAIN(TestChatTransfer)
#include "tst_chat_transfer.moc"
