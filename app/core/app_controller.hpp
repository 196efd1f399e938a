// The root object the QML UI binds to (the `App` singleton): it opens the data folder,
// starts the inference worker and owns the controllers and list models.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QUrl>
#include <memory>
#include <utility>

#include "coil/model.hpp"

class QQmlEngine;
class QJSEngine;

namespace coil::storage {
class Storage;
}

namespace coil::app {

class WorkerHost;
class AppSettings;
class BannerModel;
class StatusInfo;
class ActiveModel;
class ConversationListModel;
class MessageListModel;
class SearchResultsModel;
class ChatController;
class ModelsController;
class InstalledModelsController;
class ChatTransfer;
class RemoteController;
class LocalApiServer;

class AppController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("app_settings.hpp")
  Q_MOC_INCLUDE("banner_model.hpp")
  Q_MOC_INCLUDE("chat_controller.hpp")
  Q_MOC_INCLUDE("chat_transfer.hpp")
  Q_MOC_INCLUDE("conversation_list_model.hpp")
  Q_MOC_INCLUDE("message_list_model.hpp")
  Q_MOC_INCLUDE("active_model.hpp")
  Q_MOC_INCLUDE("installed_models_controller.hpp")
  Q_MOC_INCLUDE("local_api_server.hpp")
  Q_MOC_INCLUDE("models_controller.hpp")
  Q_MOC_INCLUDE("remote_controller.hpp")
  Q_MOC_INCLUDE("search_results_model.hpp")
  Q_MOC_INCLUDE("status_info.hpp")
  QML_NAMED_ELEMENT(App)
  QML_SINGLETON
  Q_PROPERTY(coil::app::ChatController* chat READ chat CONSTANT)
  Q_PROPERTY(coil::app::ActiveModel* activeModel READ activeModel CONSTANT)
  Q_PROPERTY(coil::app::ConversationListModel* conversations READ conversations CONSTANT)
  Q_PROPERTY(coil::app::MessageListModel* messages READ messages CONSTANT)
  Q_PROPERTY(coil::app::SearchResultsModel* search READ search CONSTANT)
  Q_PROPERTY(coil::app::BannerModel* banners READ banners CONSTANT)
  Q_PROPERTY(coil::app::AppSettings* settings READ settings CONSTANT)
  Q_PROPERTY(coil::app::StatusInfo* status READ status CONSTANT)
  Q_PROPERTY(coil::app::ModelsController* models READ models CONSTANT)
  Q_PROPERTY(coil::app::InstalledModelsController* installedModels READ installedModels CONSTANT)
  Q_PROPERTY(coil::app::ChatTransfer* transfer READ transfer CONSTANT)
  Q_PROPERTY(coil::app::RemoteController* remote READ remote CONSTANT)
  Q_PROPERTY(coil::app::LocalApiServer* localServer READ localServer CONSTANT)
  Q_PROPERTY(QString version READ version CONSTANT)

 public:
  struct Options {
    Options(QString dataDir = {}, QString modelPath = {}, bool autoLoad = true,
            coil::ModelOptions engine = {})
        : dataDir(std::move(dataDir)),
          modelPath(std::move(modelPath)),
          autoLoad(autoLoad),
          engine(std::move(engine)) {}
    QString dataDir;    // "" keeps everything in memory (tests)
    QString modelPath;  // --model; "" uses the last model, else the bundled demo
    bool autoLoad = true;
    // What every model load starts from: main() fills it from the COIL_* environment.
    coil::ModelOptions engine;
  };

  explicit AppController(const Options& options, QObject* parent = nullptr);
  ~AppController() override;

  // The QML engine asks for the singleton here: the instance main() (or a test) made.
  static AppController* create(QQmlEngine* qml, QJSEngine* js);
  static void setInstance(AppController* app);
  static AppController* instance();

  // Loads the first model: --model, else the last one used, else the bundled demo model.
  void start();

  ChatController* chat() const { return chat_; }
  ActiveModel* activeModel() const { return model_; }
  ConversationListModel* conversations() const { return conversations_; }
  MessageListModel* messages() const { return messages_; }
  SearchResultsModel* search() const { return search_; }
  BannerModel* banners() const { return banners_; }
  AppSettings* settings() const { return settings_; }
  StatusInfo* status() const { return status_; }
  ModelsController* models() const { return models_; }
  InstalledModelsController* installedModels() const;
  ChatTransfer* transfer() const { return transfer_; }
  RemoteController* remote() const { return remote_; }
  LocalApiServer* localServer() const { return localServer_; }
  QString version() const;
  storage::Storage& storage() const { return *storage_; }
  WorkerHost& host() const { return *host_; }

  Q_INVOKABLE QUrl dataFolderUrl() const;

 private:
  void openStorage(const QString& dataDir);

  Options options_;
  std::unique_ptr<storage::Storage> storage_;
  BannerModel* banners_ = nullptr;
  AppSettings* settings_ = nullptr;
  StatusInfo* status_ = nullptr;
  std::unique_ptr<WorkerHost> host_;
  ActiveModel* model_ = nullptr;
  ConversationListModel* conversations_ = nullptr;
  MessageListModel* messages_ = nullptr;
  SearchResultsModel* search_ = nullptr;
  ChatController* chat_ = nullptr;
  ModelsController* models_ = nullptr;
  ChatTransfer* transfer_ = nullptr;
  RemoteController* remote_ = nullptr;
  LocalApiServer* localServer_ = nullptr;
};

}  // namespace coil::app
