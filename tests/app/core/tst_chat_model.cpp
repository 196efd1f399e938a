// A chat remembers the model it was held with (#15 item 12): reopening it loads that model,
// a load another chat (or a new chat) asked for does not overwrite it, switching chats faster
// than a model loads leaves each chat its own model, a model no longer on this computer is
// named in a banner, and a folder loaded by hand stays in the model switcher (across restarts).
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "active_model.hpp"
#include "app_controller.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "fixture_model.hpp"
#include "installed_models_controller.hpp"
#include "installed_models_model.hpp"
#include "storage.hpp"

using namespace coil::app;

namespace {
constexpr int kWait = 120000;

bool listed(const InstalledModelsModel* m, const QString& path) {
  for (int i = 0; i < m->rowCount(); ++i)
    if (m->index(i, 0).data(InstalledModelsModel::PathRole).toString() == path) return true;
  return false;
}
}  // namespace

class TestChatModel : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString x_, y_, z_;
  std::unique_ptr<AppController> app_;

  QString data() const { return tmp_.filePath("data"); }
  ChatController* chat() const { return app_->chat(); }
  ActiveModel* model() const { return app_->activeModel(); }
  QString modelOf(qint64 id) const {
    const auto c = app_->storage().chats().conversation(id);
    return c ? c->modelPath : QString("(no chat)");
  }
  bool idle() const { return !model()->loading() && model()->loaded(); }
  qint64 ask(const QString& question) {
    QSignalSpy finished(chat(), &ChatController::answerFinished);
    if (!chat()->send(question)) return 0;
    if (!finished.wait(kWait)) return 0;
    return chat()->conversationId();
  }
  void start() {
    app_ = std::make_unique<AppController>(AppController::Options{data(), x_});
    app_->start();
    QTRY_VERIFY_WITH_TIMEOUT(idle(), kWait);
    chat()->settings()->setMaxTokens(4);
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    x_ = coil::test::makeFixtureModel(tmp_.filePath("model-x"), "falcon-tiny-f32", true);
    y_ = coil::test::makeFixtureModel(tmp_.filePath("model-y"), "falcon-tiny-bf16", true);
    z_ = coil::test::makeFixtureModel(tmp_.filePath("model-z"), "falcon-tiny-f32", true);
    start();
  }

  void aChatOpensWithItsModel() {
    const qint64 a = ask("held with x");
    QVERIFY(a > 0);
    QCOMPARE(modelOf(a), x_);
    // a new chat, a folder loaded by hand: no other chat takes it
    chat()->newChat();
    model()->load(y_);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == y_, kWait);
    QCOMPARE(modelOf(a), x_);
    const qint64 b = ask("held with y");
    QVERIFY(b > 0 && b != a);
    QCOMPARE(modelOf(b), y_);
    // reopening a chat loads its model
    chat()->openChat(a);
    QVERIFY(model()->loading());
    QTRY_VERIFY_WITH_TIMEOUT(idle(), kWait);
    QCOMPARE(model()->path(), x_);
    QCOMPARE(modelOf(b), y_);
    chat()->openChat(b);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), kWait);
    QCOMPARE(model()->path(), y_);
    QCOMPARE(modelOf(a), x_);
    a_ = a;
    b_ = b;
  }

  void switchingChatsFasterThanModelsLoad() {
    // b's model is loaded; a asks for x, and before x has even started b is opened again:
    // b asks for y again and neither chat takes the other's model
    chat()->openChat(a_);
    QCOMPARE(model()->targetPath(), x_);
    chat()->openChat(b_);
    QCOMPARE(model()->targetPath(), y_);
    QTRY_VERIFY_WITH_TIMEOUT(idle(), kWait);
    QCOMPARE(model()->path(), y_);
    QCOMPARE(modelOf(a_), x_);
    QCOMPARE(modelOf(b_), y_);
  }

  void theSwitcherSwitchesThisChat() {
    chat()->openChat(a_);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == x_, kWait);
    InstalledModelsController* installed = app_->installedModels();
    // both folders loaded by hand are offered, the one not in use too
    installed->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(listed(installed->rows(), x_) && listed(installed->rows(), y_), kWait);
    QVERIFY(installed->useInThisChat(y_));
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == y_, kWait);
    QCOMPARE(modelOf(a_), y_);  // a is now held with y
    QVERIFY(installed->useInThisChat(x_));
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == x_, kWait);
    QCOMPARE(modelOf(a_), x_);
  }

  void aModelNoLongerHereIsNamed() {
    chat()->newChat();
    model()->load(z_);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == z_, kWait);
    const qint64 c = ask("held with z");
    QVERIFY(c > 0);
    QCOMPARE(modelOf(c), z_);
    chat()->openChat(a_);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == x_, kWait);
    QVERIFY(QDir(z_).removeRecursively());
    QVERIFY(!app_->banners()->has("chat-model"));
    chat()->openChat(c);
    QVERIFY(!model()->loading());  // nothing to load: the chat goes on with x
    QVERIFY(app_->banners()->has("chat-model"));
    QCOMPARE(modelOf(c), z_);  // still remembered until an answer is read with another
    QVERIFY(ask("now with x") == c);
    QCOMPARE(modelOf(c), x_);
    QVERIFY(!app_->banners()->has("chat-model"));
  }

  void handLoadedFoldersStayAfterARestart() {
    app_.reset();
    start();
    InstalledModelsController* installed = app_->installedModels();
    installed->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(listed(installed->rows(), x_) && listed(installed->rows(), y_), kWait);
    QVERIFY(!listed(installed->rows(), z_));  // deleted: not offered
    // and a reopened chat still loads its own model
    chat()->openChat(b_);
    QTRY_VERIFY_WITH_TIMEOUT(idle() && model()->path() == y_, kWait);
  }

  void cleanupTestCase() { app_.reset(); }

 private:
  qint64 a_ = 0;
  qint64 b_ = 0;
};

QTEST_MAIN(TestChatModel)
#include "tst_chat_model.moc"
