// Settings' "Local API server": switched on, the model loaded in the app is served by a real
// `coil serve` on 127.0.0.1 (its /v1/models names it, and the app's own Remote tab can chat
// with it); switched off, it goes; a port in use is a clear message; another model loaded in
// the app is served in its place.
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "fixture_model.hpp"
#include "local_api_server.hpp"
#include "remote_controller.hpp"
#include "storage.hpp"
#include "test_app.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;

// GET url; the body, or "" when nothing answered.
QByteArray get(const QUrl& url) {
  QNetworkAccessManager net;
  QNetworkReply* r = net.get(QNetworkRequest(url));
  QSignalSpy done(r, &QNetworkReply::finished);
  if (!done.wait(30000)) return {};
  r->deleteLater();
  return r->error() == QNetworkReply::NoError ? r->readAll() : QByteArray();
}
}  // namespace

class TestLocalApiServer : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY(fixture_.isValid());
    app_ = fixture_.open();
    QVERIFY(app_);
    server_ = app_->localServer();
    server_->setProgram(COIL_CLI_PATH);
    server_->setPort(0);  // any free port: the machine is shared
  }

  void servesTheLoadedModel() {
    QVERIFY(!server_->running());
    QCOMPARE(server_->statusText(), QStringLiteral("Off"));
    server_->setEnabled(true);
    QVERIFY(server_->enabled());
    QTRY_VERIFY_WITH_TIMEOUT(server_->running() || !server_->error().isEmpty(), kWait);
    QVERIFY2(server_->error().isEmpty(), qPrintable(server_->error()));
    QVERIFY(server_->url().startsWith("http://127.0.0.1:"));
    QVERIFY(server_->url().endsWith("/v1"));
    QVERIFY(server_->statusText().startsWith("Serving "));
    const QByteArray models = get(QUrl(server_->url() + "/models"));
    QVERIFY2(models.contains("\"object\":\"list\"") || models.contains("\"object\": \"list\""),
             models.constData());
  }

  void theAppsRemoteTabCanChatWithIt() {
    RemoteController* remote = app_->remote();
    QVERIFY(remote->connectTo(server_->url(), QString()));
    QTRY_VERIFY_WITH_TIMEOUT(!remote->listing(), kWait);
    QVERIFY2(remote->error().isEmpty(), qPrintable(remote->error()));
    QCOMPARE(remote->models().size(), 1);
    remote->use(remote->models()[0]);
    ChatController* chat = app_->chat();
    chat->settings()->setMaxTokens(4);
    QSignalSpy finished(chat, &ChatController::answerFinished);
    QVERIFY(chat->send("Hello through the local API"));
    QVERIFY(finished.wait(kWait));
    const qint64 id = finished.first().at(0).toLongLong();
    QVERIFY(id > 0);
    QCOMPARE(app_->storage().chats().message(id)->meta.completionTokens, std::optional<qint64>(4));
    chat->newChat();
    remote->deactivate();
  }

  void switchedOffItGoes() {
    const QString url = server_->url();
    server_->setEnabled(false);
    QVERIFY(!server_->running());
    QCOMPARE(server_->url(), QString());
    QTRY_VERIFY_WITH_TIMEOUT(get(QUrl(url + "/models")).isEmpty(), kWait);
    QCOMPARE(server_->error(), QString());  // stopped on purpose: no error
  }

  void aPortInUseIsAClearMessage() {
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    server_->setPort(taken.serverPort());
    server_->setEnabled(true);
    QTRY_VERIFY_WITH_TIMEOUT(!server_->error().isEmpty(), kWait);
    QVERIFY(!server_->running());
    QVERIFY2(server_->error().contains("Address already in use") &&
                 server_->error().contains(QString::number(taken.serverPort())),
             qPrintable(server_->error()));
    QCOMPARE(server_->statusText(), server_->error());
    server_->setEnabled(false);
    server_->setPort(0);
  }

  void anotherModelIsServedInItsPlace() {
    server_->setEnabled(true);
    QTRY_VERIFY_WITH_TIMEOUT(server_->running(), kWait);
    const QString other =
        coil::test::makeFixtureModel(fixture_.filePath("other"), "falcon-tiny-bf16", true);
    QSignalSpy loaded(app_->activeModel(), &ActiveModel::modelChanged);
    app_->activeModel()->load(other);
    QTRY_VERIFY_WITH_TIMEOUT(app_->activeModel()->path() == other, kWait);
    QTRY_VERIFY_WITH_TIMEOUT(server_->running(), kWait);
    const QByteArray models = get(QUrl(server_->url() + "/models"));
    QVERIFY2(models.contains("other"), models.constData());
    server_->setEnabled(false);
  }

 private:
  coil::test::TestApp fixture_;
  std::unique_ptr<AppController> app_;
  LocalApiServer* server_ = nullptr;
};

QTEST_MAIN(TestLocalApiServer)
#include "tst_local_api_server.moc"
