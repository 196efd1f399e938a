// The app as a client of an OpenAI-compatible server, against a real `coil serve` on the tiny
// fixture model started by the test: the Models page's Remote endpoint (its models, a wrong
// key, an unreachable host), a remote chat streaming with the same storage, branches and
// search as a local one and no state files, Stop, a server killed mid-answer (the partial
// answer kept, marked interrupted), the chat remembering it is remote across a restart, and
// the API key kept in a 0600 file and never in the database or an export.
#include <sys/stat.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "coil_server.hpp"
#include "export.hpp"
#include "message_list_model.hpp"
#include "remote_controller.hpp"
#include "search_results_model.hpp"
#include "state_store.hpp"
#include "status_info.hpp"
#include "storage.hpp"
#include "test_app.hpp"

using namespace coil::app;
using coil::storage::Message;

namespace {
constexpr int kWait = 120000;
const QString kKey = QStringLiteral("sk-coil-test-7f3a9d2e41");
const QString kModelId = QStringLiteral("tiny-remote");

QList<Message> answersOf(coil::storage::ChatStore& chats, qint64 chat) {
  QList<Message> out;
  for (const Message& m : chats.messages(chat))
    if (m.role == QLatin1String("assistant")) out << m;
  return out;
}

QString bannerText(const BannerModel& banners, const QString& key) {
  for (const Banner& b : banners.banners())
    if (b.key == key) return b.title + QStringLiteral(" | ") + b.text;
  return {};
}
}  // namespace

class TestRemoteChat : public QObject {
  Q_OBJECT

  // An app on the test's data folder with no local model loaded.
  std::unique_ptr<AppController> openApp() {
    auto app = fixture_.openWithoutLoading();
    app->chat()->settings()->setTemperature(0);
    return app;
  }

  // A counter of the server's /metrics (-1 when it cannot be read).
  double metric(const QString& name) {
    QNetworkAccessManager net;
    QUrl url = server_.url();
    url.setPath(QStringLiteral("/metrics"));
    QNetworkRequest req(url);
    req.setRawHeader("Authorization", "Bearer " + kKey.toUtf8());
    QNetworkReply* r = net.get(req);
    QSignalSpy done(r, &QNetworkReply::finished);
    if (!done.wait(30000)) return -1;
    r->deleteLater();
    for (const QByteArray& line : r->readAll().split('\n'))
      if (line.startsWith(name.toUtf8() + ' ')) return line.mid(name.size() + 1).toDouble();
    return -1;
  }

  // Connects the app's Remote section to `url` with `key` and waits for the list.
  static bool connectRemote(AppController& app, const QString& url, const QString& key) {
    RemoteController* r = app.remote();
    QSignalSpy listed(r, &RemoteController::modelsChanged);
    if (!r->connectTo(url, key)) return false;
    return QTest::qWaitFor([&] { return !r->listing(); }, kWait);
  }

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    QVERIFY2(server_.start(
                 COIL_CLI_PATH, fixture_.model(),
                 {"--api-key", kKey, "--model-id", kModelId, "--max-completion-tokens", "1000000"}),
             qPrintable(server_.lastError()));
  }

  void urlsAreNormalized() {
    QString why;
    QCOMPARE(normalizeRemoteUrl("gpu-box:8080", &why).toString(), "http://gpu-box:8080/v1");
    QCOMPARE(normalizeRemoteUrl(" http://me:secret@h:1/ ", &why).toString(), "http://h:1/v1");
    QCOMPARE(normalizeRemoteUrl("https://h/api/v1/", &why).toString(), "https://h/api/v1");
    QVERIFY(normalizeRemoteUrl("", &why).isEmpty());
    QVERIFY(why.contains("address"));
    QVERIFY(normalizeRemoteUrl("ftp://h/", &why).isEmpty());
    QVERIFY2(why.contains("not an http:// or https:// address"), qPrintable(why));
  }

  void listsTheModelsOfARealServer() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), kKey));
    RemoteController* r = app->remote();
    QVERIFY2(r->error().isEmpty(), qPrintable(r->error()));
    QCOMPARE(r->models(), QStringList{kModelId});
    QCOMPARE(r->url(), server_.url().toString());
    QVERIFY(r->keySaved());
    // the key: a file of its own, readable by its owner only, like the Hub token
    const QString keyFile = QDir(fixture_.dataDir()).filePath("remote_api_key");
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(keyFile).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
    QFile f(keyFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readAll()), kKey);
  }

  void aWrongKeyIsAClearMessage() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), "sk-wrong"));
    RemoteController* r = app->remote();
    QVERIFY(r->models().isEmpty());
    QVERIFY2(r->error().contains("refused the API key") && r->error().contains("401") &&
                 r->error().contains("incorrect API key"),
             qPrintable(r->error()));
    // a chat with the wrong key: the same words in the banner, nothing stored as an answer
    r->use(kModelId);
    QVERIFY(app->chat()->remote());
    QSignalSpy finished(app->chat(), &ChatController::answerFinished);
    QVERIFY(app->chat()->send("Hello with a wrong key"));
    QVERIFY(finished.wait(kWait));
    QCOMPARE(finished.first().at(0).toLongLong(), 0);
    const QString banner = bannerText(*app->banners(), "generate");
    QVERIFY2(banner.contains("refused the API key"), qPrintable(banner));
    QVERIFY(answersOf(app->storage().chats(), app->chat()->conversationId()).isEmpty());
    app->chat()->deleteChat(app->chat()->conversationId());
    QVERIFY(r->connectTo(server_.url().toString(), kKey));  // the right key back
  }

  void anUnreachableHostIsAClearMessage() {
    auto app = openApp();
    const QString url = QStringLiteral("http://127.0.0.1:%1/v1").arg(coil::test::closedPort());
    QVERIFY(connectRemote(*app, url, QString()));
    QVERIFY2(app->remote()->error().startsWith("Cannot reach the server at http://127.0.0.1:") &&
                 app->remote()->error().contains("refused", Qt::CaseInsensitive),
             qPrintable(app->remote()->error()));
    QVERIFY(app->remote()->models().isEmpty());
    QVERIFY(!app->remote()->connectTo("mailto:nobody", QString()));
    QVERIFY(!app->remote()->error().isEmpty());
  }

  void aRemoteChatStreamsAndIsStoredLikeALocalOne() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), QString()));  // the key is saved
    QVERIFY(!app->activeModel()->loaded());
    ChatController* chat = app->chat();
    QVERIFY(!chat->canSend());
    app->remote()->use(kModelId);
    QVERIFY(chat->remote());
    QVERIFY(chat->canSend());
    QCOMPARE(app->remote()->title(), kModelId + " · 127.0.0.1");
    chat->settings()->setMaxTokens(12);

    QSignalSpy pieces(app->remote()->client(), &RemoteClient::textGenerated);
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("Tell me about the zebra"));
    QVERIFY(chat->busy());
    QVERIFY(finished.wait(kWait));
    const qint64 answerId = finished.first().at(0).toLongLong();
    QVERIFY(answerId > 0);
    QVERIFY(!pieces.isEmpty());  // (the server may send a short answer in one piece)
    const qint64 id = chat->conversationId();
    auto& chats = app->storage().chats();
    const auto c = chats.conversation(id);
    QCOMPARE(c->remoteUrl, server_.url().toString());
    QCOMPARE(c->modelId, kModelId);
    QVERIFY(c->modelPath.isEmpty());
    const Message a = *chats.message(answerId);
    QCOMPARE(a.meta.model, kModelId);
    QCOMPARE(a.meta.finishReason, QStringLiteral("length"));
    QCOMPARE(a.meta.completionTokens, std::optional<qint64>(12));
    QVERIFY(a.meta.promptTokens.value_or(0) > 0);
    QVERIFY(!a.meta.seed);  // none was sent: the server's own
    QVERIFY(!a.content.isEmpty());
    QString streamed;
    for (const auto& p : pieces) streamed += p.at(1).toString();
    QCOMPARE(a.content, streamed);
    QVERIFY(app->status()->resumeText().startsWith("answered by 127.0.0.1"));

    // a branch: Regenerate makes a sibling; search finds the chat
    finished.clear();
    chat->regenerate(answerId);
    QVERIFY(finished.wait(kWait));
    QCOMPARE(chats.siblings(answerId).count, 2);
    QCOMPARE(app->messages()->rowCount(), 2);
    app->search()->setQuery("zebra");
    QTRY_VERIFY(app->search()->rowCount() >= 1);

    // no local state of any kind for a remote chat
    QCOMPARE(app->storage().states().checkpoints(id).size(), 0);
    QDirIterator it(fixture_.dataDir(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) QVERIFY2(!it.next().endsWith(".coilstate"), qPrintable(it.filePath()));
    remoteChat_ = id;
  }

  void theKeyIsNeverInTheDatabaseOrAnExport() {
    QVERIFY(remoteChat_ > 0);
    auto app = openApp();
    const auto& chats = app->storage().chats();
    using coil::storage::ExportFormat;
    for (ExportFormat f :
         {ExportFormat::Markdown, ExportFormat::Text, ExportFormat::Json, ExportFormat::OpenAi}) {
      const QByteArray one = coil::storage::exportConversation(chats, remoteChat_, f);
      const QByteArray all = coil::storage::exportAll(chats, f);
      QVERIFY(!one.isEmpty());
      QVERIFY2(!one.contains(kKey.toUtf8()) && !all.contains(kKey.toUtf8()),
               qPrintable(coil::storage::fileSuffix(f)));
    }
    // the JSON export says where the chat was answered (the URL, which has no key)
    const QByteArray json =
        coil::storage::exportConversation(chats, remoteChat_, ExportFormat::Json);
    QVERIFY(json.contains("\"remote_url\": \"" + server_.url().toString().toUtf8() + "\""));
    // nor any file of the data folder but the key's own
    QDirIterator it(fixture_.dataDir(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString path = it.next();
      if (path.endsWith("/remote_api_key")) continue;
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      QVERIFY2(!f.readAll().contains(kKey.toUtf8()), qPrintable(path));
    }
  }

  void aReopenedChatRemembersItIsRemote() {
    QVERIFY(remoteChat_ > 0);
    auto app = openApp();
    ChatController* chat = app->chat();
    QVERIFY(!chat->remote());  // a new chat: the app starts local
    chat->openChat(remoteChat_);
    QVERIFY(chat->remote());
    QVERIFY(chat->canSend());
    QCOMPARE(app->remote()->title(), kModelId + " · 127.0.0.1");
    QCOMPARE(app->remote()->endpoint().apiKey, kKey);
    chat->settings()->setMaxTokens(5);
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("And the okapi?"));
    QVERIFY(finished.wait(kWait));
    const qint64 answerId = finished.first().at(0).toLongLong();
    QVERIFY(answerId > 0);
    QCOMPARE(app->storage().chats().message(answerId)->meta.completionTokens,
             std::optional<qint64>(5));
    // a new chat keeps answering from the remote model until a local one is picked
    chat->newChat();
    QVERIFY(chat->remote());
  }

  // A remote chat of another server (an imported file's): nothing is sent there until the
  // person connects to that server on the Models page.
  void aChatOfAnotherServerWaitsForItsConnection() {
    auto app = openApp();
    auto& chats = app->storage().chats();
    const QString elsewhere =
        QStringLiteral("http://127.0.0.1:%1/v1").arg(coil::test::closedPort());
    const qint64 id = chats.createConversation("imported");
    chats.setRemoteModel(id, "their-model", elsewhere);
    chats.addMessage(id, 0, "user", "hi");
    ChatController* chat = app->chat();
    chat->openChat(id);
    QVERIFY(chat->remote());
    QVERIFY(!app->remote()->chatEndpointConfigured());
    QVERIFY(!chat->canSend());
    QVERIFY(app->remote()->endpoint().apiKey.isEmpty());  // never the key of another server
    QVERIFY(!chat->send("where does this go?"));
    const QString banner = bannerText(*app->banners(), "no-model");
    QVERIFY2(banner.contains("not connected") && banner.contains(elsewhere), qPrintable(banner));
    QCOMPARE(chats.messages(id).size(), 1);  // nothing stored, nothing sent
    // connected to it (the person's choice): the chat can go on
    QSignalSpy canSend(chat, &ChatController::canSendChanged);
    QVERIFY(app->remote()->connectTo(elsewhere, QString()));
    QVERIFY(!canSend.isEmpty());
    QVERIFY(chat->canSend());
    QVERIFY(app->remote()->connectTo(server_.url().toString(), QString()));  // back
    QVERIFY(!chat->canSend());
  }

  // Picking a model moves the open chat: a remote one makes it remote, a local one local again.
  void pickingAModelMovesTheOpenChat() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), QString()));
    auto& chats = app->storage().chats();
    const qint64 id = chats.createConversation("a local chat");
    chats.setModel(id, "gone", "/no/such/model");
    chats.addMessage(id, 0, "user", "hi");
    ChatController* chat = app->chat();
    chat->openChat(id);
    QVERIFY(!chat->remote());
    app->remote()->use(kModelId);
    QVERIFY(chat->remote());
    QCOMPARE(chats.conversation(id)->remoteUrl, server_.url().toString());
    QCOMPARE(chats.conversation(id)->modelId, kModelId);
    // a local model loaded: the chat is local again, with that model
    QSignalSpy loaded(app->activeModel(), &ActiveModel::modelChanged);
    app->activeModel()->load(fixture_.model());
    QVERIFY(!chat->remote());
    QVERIFY(loaded.wait(kWait));
    QVERIFY(app->activeModel()->loaded());
    QCOMPARE(chats.conversation(id)->remoteUrl, QString());
    QCOMPARE(chats.conversation(id)->modelPath, app->activeModel()->path());
    // reopening a remote chat does not make it local, nor does the loaded model follow it
    chat->openChat(remoteChat_);
    QVERIFY(chat->remote());
    QCOMPARE(chats.conversation(remoteChat_)->remoteUrl, server_.url().toString());
    chat->openChat(id);
    QVERIFY(!chat->remote());
  }

  void stopKeepsWhatStreamedIn() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), QString()));
    app->remote()->use(kModelId);
    ChatController* chat = app->chat();
    chat->settings()->setMaxTokens(1000000);
    QSignalSpy pieces(app->remote()->client(), &RemoteClient::textGenerated);
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("Talk for a long time"));
    QVERIFY(QTest::qWaitFor([&] { return pieces.size() >= 3; }, kWait));
    // streamed: pieces shown while the answer is still being written
    QVERIFY(chat->busy());
    QVERIFY(app->messages()->streaming());
    QTRY_VERIFY(!app->messages()
                     ->index(app->messages()->rowCount() - 1, 0)
                     .data(MessageListModel::ContentRole)
                     .toString()
                     .isEmpty());
    chat->stop();  // the answer ends at once (the connection closed), before the call returns
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
    const qint64 answerId = finished.first().at(0).toLongLong();
    QVERIFY(answerId > 0);
    const Message a = *app->storage().chats().message(answerId);
    QCOMPARE(a.meta.finishReason, QStringLiteral("cancelled"));
    QVERIFY(!a.content.isEmpty());
    QVERIFY(!chat->busy());
    QVERIFY(!app->remote()->client()->busy());
    // the server noticed: the request was cancelled there too, not left running
    QTRY_VERIFY_WITH_TIMEOUT(metric("coil_requests_cancelled_total") >= 1, 30000);
  }

  // Last: it kills the server.
  void aServerKilledMidAnswerLeavesThePartialAnswerMarked() {
    auto app = openApp();
    QVERIFY(connectRemote(*app, server_.url().toString(), QString()));
    app->remote()->use(kModelId);
    ChatController* chat = app->chat();
    chat->settings()->setMaxTokens(1000000);
    QSignalSpy pieces(app->remote()->client(), &RemoteClient::textGenerated);
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("Talk until the server dies"));
    QVERIFY(QTest::qWaitFor([&] { return pieces.size() >= 3; }, kWait));
    server_.kill();
    QVERIFY(finished.wait(kWait));
    QCOMPARE(finished.first().at(0).toLongLong(), 0);  // not finished: failed
    QVERIFY(!chat->busy());
    const QList<Message> answers = answersOf(app->storage().chats(), chat->conversationId());
    QCOMPARE(answers.size(), 1);
    QCOMPARE(answers[0].meta.finishReason, QStringLiteral("interrupted"));
    QString streamed;
    for (const auto& p : pieces) streamed += p.at(1).toString();
    QVERIFY(!answers[0].content.isEmpty());
    QVERIFY(streamed.startsWith(answers[0].content));
    QCOMPARE(answers[0].content, streamed);
    // shown as the chat's last message, marked, with a banner that says what happened
    QCOMPARE(app->messages()->rowCount(), 2);
    QCOMPARE(app->messages()->index(1, 0).data(MessageListModel::FinishRole).toInt(),
             int(MessageListModel::Interrupted));
    const QString banner = bannerText(*app->banners(), "generate");
    QVERIFY2(banner.contains("lost in the middle of the answer"), qPrintable(banner));
  }

 private:
  coil::test::TestApp fixture_;
  coil::test::CoilServer server_;
  qint64 remoteChat_ = 0;
};

QTEST_MAIN(TestRemoteChat)
#include "tst_remote_chat.moc"
