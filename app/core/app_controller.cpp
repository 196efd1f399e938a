#include "app_controller.hpp"

#include <QDir>
#include <QFileInfo>
#include <QJSEngine>
#include <QPointer>
#include <QUrl>

#include "active_model.hpp"
#include "app_settings.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_transfer.hpp"
#include "conversation_list_model.hpp"
#include "demo_model.hpp"
#include "inference_worker.hpp"
#include "installed_models_controller.hpp"
#include "local_api_server.hpp"
#include "message_list_model.hpp"
#include "models_controller.hpp"
#include "pending_attachments.hpp"
#include "remote_controller.hpp"
#include "search_results_model.hpp"
#include "status_info.hpp"
#include "storage.hpp"
#include "worker_host.hpp"

namespace coil::app {

namespace {
QPointer<AppController> g_instance;
}

AppController::AppController(const Options& options, QObject* parent)
    : QObject(parent), options_(options) {
  banners_ = new BannerModel(this);
  openStorage(options.dataDir);
  const QString dataDir = storage_->dataDir();
  settings_ = new AppSettings(dataDir, this);
  settings_->setStateStore(dataDir.isEmpty() ? nullptr : &storage_->states());
  status_ = new StatusInfo(this);
  host_ = std::make_unique<WorkerHost>(dataDir, options.engine);
  model_ = new ActiveModel(host_.get(), settings_, banners_, status_, this);
  conversations_ = new ConversationListModel(this);
  messages_ = new MessageListModel(this);
  search_ = new SearchResultsModel(&storage_->chats(), this);
  remote_ = new RemoteController(settings_, dataDir, this);
  chat_ = new ChatController({storage_.get(), host_.get(), model_, conversations_, messages_,
                              search_, status_, banners_, remote_},
                             this);
  models_ = new ModelsController({dataDir, model_, chat_, banners_, settings_}, this);
  transfer_ = new ChatTransfer(storage_.get(), chat_, banners_, this);
  localServer_ = new LocalApiServer(model_, settings_, this);
  connect(host_->worker(), &InferenceWorker::devicesListed, settings_,
          &AppSettings::setDeviceLists);
  connect(host_->worker(), &InferenceWorker::devicesListed, models_,
          &ModelsController::setDeviceLists);
  connect(chat_, &ChatController::answerFinished, settings_, &AppSettings::refreshStateUsage);
  const auto applyAttachmentLimit = [this] {
    chat_->attachments()->setLimitMB(settings_->attachmentLimitMB());
  };
  applyAttachmentLimit();
  connect(settings_, &AppSettings::attachmentLimitChanged, this, applyAttachmentLimit);
  connect(settings_, &AppSettings::failed, this, [this](const QString& reason) {
    banners_->show({QStringLiteral("settings"), BannerModel::Error,
                    tr("A setting could not be saved"), reason, QString()});
  });
  host_->listDevices();
}

AppController::~AppController() {
  // An answer still streaming is stopped and kept (the window was closed while it streamed).
  if (chat_) chat_->stopForQuit();
  // The worker thread goes first: nothing may call back into the models while they go.
  host_.reset();
}

void AppController::openStorage(const QString& dataDir) {
  if (!dataDir.isEmpty()) {
    try {
      storage_ = std::make_unique<storage::Storage>(dataDir);
      return;
    } catch (const std::exception& e) {
      banners_->show({QStringLiteral("storage-open"), BannerModel::Error,
                      tr("Chats cannot be saved in this session"),
                      QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(dataDir),
                                                   QString::fromUtf8(e.what())),
                      tr("Check that the folder is writable and has free space, or start Coil "
                         "with --data-dir pointing to another folder. Until then chats live in "
                         "memory only.")});
    }
  }
  storage_ = storage::Storage::inMemory();
}

void AppController::start() {
  QString path = options_.modelPath;
  if (path.isEmpty() && QFileInfo(settings_->modelPath()).isDir()) path = settings_->modelPath();
  if (path.isEmpty()) path = findDemoModel();
  if (path.isEmpty()) {
    banners_->show({QStringLiteral("no-model"), BannerModel::Error, tr("No model is loaded"),
                    tr("Coil found no model: the bundled demo model is not installed."),
                    tr("Choose a model folder in the chat settings (Model), or start Coil with "
                       "--model DIR.")});
    return;
  }
  model_->load(path);
}

AppController* AppController::create(QQmlEngine*, QJSEngine* js) {
  if (!g_instance) {
    // No app made by main() (a QML tool or preview): an in-memory one.
    auto* app = new AppController(Options{});
    g_instance = app;
  }
  if (js) QJSEngine::setObjectOwnership(g_instance, QJSEngine::CppOwnership);
  return g_instance;
}

void AppController::setInstance(AppController* app) {
  g_instance = app;
}
AppController* AppController::instance() {
  return g_instance;
}

InstalledModelsController* AppController::installedModels() const {
  return models_->installed();
}

QString AppController::version() const {
  return QStringLiteral(COIL_VERSION);
}

QUrl AppController::dataFolderUrl() const {
  return storage_->dataDir().isEmpty() ? QUrl() : QUrl::fromLocalFile(storage_->dataDir());
}

}  // namespace coil::app
