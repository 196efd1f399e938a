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

  // Every form of answer Qt 6.4's FileDialog gives (its non-native one joins its folder and
  // the typed text with '/' into a URL without scheme; a native one gives file:// URLs).
  void exportFileTakesEveryFormTheDialogAnswers_data() {
    QTest::addColumn<QString>("answer");  // as the dialog builds its URL
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("expected");
    const QString docs = QStringLiteral("/docs");
    auto typed = [&](const QString& text) { return docs + QLatin1Char('/') + text; };
    QTest::newRow("typed name") << typed("notes.md") << "md"
                                << "/docs/notes.md";
    QTest::newRow("typed name, no suffix") << typed("notes") << "md"
                                           << "/docs/notes.md";
    QTest::newRow("jsonl default") << typed("notes") << "openai"
                                   << "/docs/notes.jsonl";
    QTest::newRow("txt default") << typed("notes") << "txt"
                                 << "/docs/notes.txt";
    QTest::newRow("json default") << typed("notes") << "json"
                                  << "/docs/notes.json";
    QTest::newRow("own suffix kept") << typed("notes.markdown") << "md"
                                     << "/docs/notes.markdown";
    QTest::newRow("absolute path") << typed("/tmp/x.md") << "md"
                                   << "/tmp/x.md";
    QTest::newRow("file URL typed") << typed("file:///tmp/y") << "txt"
                                    << "/tmp/y.txt";
    QTest::newRow("relative folder") << typed("../out/z.md") << "md"
                                     << "/out/z.md";
    QTest::newRow("home") << typed("~/h.md") << "md"
                          << "~/h.md";  // ~: the home folder
    QTest::newRow("hash and question mark") << typed("C# notes?.md") << "md"
                                            << "/docs/C# notes?.md";
    QTest::newRow("spaces") << typed("my chat") << "json"
                            << "/docs/my chat.json";
    QTest::newRow("native file URL") << "file:///elsewhere/a%20b.md"
                                     << "md"
                                     << "/elsewhere/a b.md";
    QTest::newRow("other folder, native") << "file:///elsewhere/n"
                                          << "openai"
                                          << "/elsewhere/n.jsonl";
  }

  void exportFileTakesEveryFormTheDialogAnswers() {
    QFETCH(QString, answer);
    QFETCH(QString, format);
    QFETCH(QString, expected);
    const QUrl chosen(answer);  // what QQuickFileDialogImpl builds from the typed text
    const QUrl file =
        app_->transfer()->exportFile(chosen, QUrl::fromLocalFile(QStringLiteral("/docs")), format);
    QVERIFY2(file.isLocalFile(), qPrintable(file.toString()));
    if (expected.startsWith(QLatin1String("~/"))) expected = QDir::homePath() + expected.mid(1);
    QCOMPARE(file.toLocalFile(), expected);
  }

  void exportFileRefusesWhatIsNoFile() {
    const QUrl folder = QUrl::fromLocalFile(tmp_->path());
    QVERIFY(app_->transfer()->exportFile(QUrl("https://example.com/x.md"), folder, "md").isEmpty());
    QVERIFY(app_->transfer()->exportFile(QUrl(tmp_->path() + "/"), folder, "md").isEmpty());
    QVERIFY(
        app_->transfer()->exportFile(QUrl::fromLocalFile(tmp_->path()), folder, "md").isEmpty());
    QVERIFY(!app_->transfer()->exportChat(first_, "md", QUrl("https://example.com/x.md")));
    QCOMPARE(transferBanner(*app_->banners()).level, BannerModel::Error);
  }

  // The URL without scheme of a typed name is written where it names (it was refused as "not
  // a file on this computer"); the OpenAI export's suggested name is .jsonl, not .json.
  void exportsToATypedName() {
    const QString dir = tmp_->filePath("typed");
    QVERIFY(QDir().mkpath(dir));
    QSignalSpy done(app_->transfer(), &ChatTransfer::exported);
    QVERIFY(app_->transfer()->exportChat(first_, "openai", QUrl(dir + "/C# chat")));
    QVERIFY(done.wait(60000));
    QVERIFY(done.first().first().toBool());
    const QByteArray written = readAll(dir + "/C# chat.jsonl");
    QCOMPARE(written, coil::storage::exportConversation(app_->storage().chats(), first_,
                                                        coil::storage::ExportFormat::OpenAi));
    QVERIFY(app_->transfer()->exists(QUrl::fromLocalFile(dir + "/C# chat.jsonl")));
    QVERIFY(app_->transfer()->suggestedFile(first_, "openai").toLocalFile().endsWith(".jsonl"));
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
    QCOMPARE(b.level, BannerModel::Info);
    QVERIFY2(b.text.contains(QFileInfo(path).fileName()), qPrintable(b.text));
  }

  void exportAllThenImportAddsTheChats() {
    const QString path = tmp_->filePath("all.json");
    QVERIFY(exportAndWait(0, "json", path));
    QCOMPARE(readAll(path),
             coil::storage::exportAll(app_->storage().chats(), coil::storage::ExportFormat::Json));
    QCOMPARE(app_->conversations()->rowCount(), 2);
    // the chats of the file are here already: recognised, not duplicated
    QCOMPARE(importAndWait(path), 0);
    QCOMPARE(app_->conversations()->rowCount(), 2);
    QVERIFY2(transferBanner(*app_->banners()).text.contains("2 chats were already here"),
             qPrintable(transferBanner(*app_->banners()).text));
    // deleted meanwhile: they come back
    app_->storage().chats().deleteConversation(first_);
    app_->storage().chats().deleteConversation(second_);
    QCOMPARE(importAndWait(path), 2);
    QCOMPARE(app_->conversations()->rowCount(), 2);
    QCOMPARE(app_->storage().chats().conversations().size(), 2);
    const qint64 opened = app_->chat()->conversationId();
    QVERIFY(opened > 0);  // (SQLite may give the deleted chats' ids again)
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
    QCOMPARE(b.level, BannerModel::Info);
    QCOMPARE(b.title, QStringLiteral("2 chats imported"));
  }

  void aFolderThatRefusesTheFileWritesNothingAndSaysWhy() {
    const QString path = tmp_->filePath("no-such-folder/chat.md");
    QVERIFY(!exportAndWait(first_, "md", path));
    QVERIFY(!QFile::exists(path));
    Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, BannerModel::Error);
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
    QCOMPARE(transferBanner(*app_->banners()).level, BannerModel::Error);
  }

  void oneJobAtATimeOnItsOwnThread() {
    const QString path = tmp_->filePath("all.json");
    QVERIFY(exportAndWait(0, "json", path));
    // the chats are gone from this app meanwhile: they are new again
    app_->storage().chats().deleteConversation(first_);
    app_->storage().chats().deleteConversation(second_);
    app_->chat()->refreshConversations();
    QSignalSpy done(app_->transfer(), &ChatTransfer::imported);
    QSignalSpy busy(app_->transfer(), &ChatTransfer::busyChanged);
    QVERIFY(app_->transfer()->importFile(QUrl::fromLocalFile(path)));
    QVERIFY(app_->transfer()->busy());
    QCOMPARE(transferBanner(*app_->banners()).title, QStringLiteral("Importing chats…"));
    // a second job while the first runs is refused and says so; nothing else happens
    QVERIFY(!app_->transfer()->exportAll("md", QUrl::fromLocalFile(tmp_->filePath("x.md"))));
    QCOMPARE(transferBanner(*app_->banners()).level, BannerModel::Warning);
    QVERIFY(done.wait(60000));
    QCOMPARE(done.first().first().toInt(), 2);
    QVERIFY(!app_->transfer()->busy());
    QCOMPARE(busy.count(), 2);
    QVERIFY(!QFile::exists(tmp_->filePath("x.md")));
    QCOMPARE(app_->conversations()->rowCount(), 2);
  }

  void aFileThatIsNotAnExportAddsNothing() {
    const QString md = tmp_->filePath("chat.md");
    QVERIFY(exportAndWait(first_, "md", md));
    QCOMPARE(importAndWait(md), 0);
    Banner b = transferBanner(*app_->banners());
    QCOMPARE(b.level, BannerModel::Error);
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
