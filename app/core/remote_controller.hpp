// The Models page's Remote section (App.remote): an OpenAI-compatible endpoint (a `coil serve`
// on a bigger machine, vLLM, SGLang), its optional API key and the model picked from its
// /models list, and whether the open chat uses it. The base URL and model id are settings
// (AppSettings); the key is kept like the Hugging Face token, in <data folder>/remote_api_key
// readable by its owner only, and never in the database or an export. A remote chat stores the
// endpoint's URL and the model id (ChatStore::setRemoteModel) and streams its answers through
// the client (RemoteClient) instead of the worker.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QStringList>

#include "hub_token_store.hpp"
#include "remote_client.hpp"

namespace coil::app {

class AppSettings;

class RemoteController : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.remote")
  // The configured endpoint (as saved).
  Q_PROPERTY(QString url READ url NOTIFY endpointChanged)
  Q_PROPERTY(bool keySaved READ keySaved NOTIFY endpointChanged)
  // Its models (after connect / refresh) and the one picked.
  Q_PROPERTY(QStringList models READ models NOTIFY modelsChanged)
  Q_PROPERTY(QString modelId READ modelId NOTIFY endpointChanged)
  Q_PROPERTY(bool listing READ listing NOTIFY modelsChanged)
  // Why the endpoint could not be used ("" when it could).
  Q_PROPERTY(QString error READ error NOTIFY modelsChanged)
  // The open chat (or the next new one) answers from the remote model.
  Q_PROPERTY(bool active READ active NOTIFY activeChanged)
  // The remote model in use, for the chat header: "model · host".
  Q_PROPERTY(QString title READ title NOTIFY activeChanged)
  // Its base URL.
  Q_PROPERTY(QString chatUrl READ chatUrl NOTIFY activeChanged)
  // Whether it is the configured endpoint (chatEndpointConfigured).
  Q_PROPERTY(bool chatReady READ chatEndpointConfigured NOTIFY activeChanged)

 public:
  RemoteController(AppSettings* settings, const QString& dataDir, QObject* parent = nullptr);

  QString url() const;
  bool keySaved() const { return !keys_.token().isEmpty(); }
  QStringList models() const { return models_; }
  QString modelId() const;
  bool listing() const { return listing_; }
  QString error() const { return error_; }
  bool active() const { return active_; }
  QString title() const;
  QString chatUrl() const { return active_ ? currentUrl_.toString() : QString(); }
  RemoteClient* client() const { return client_; }

  // Saves the base URL (normalized) and, when `key` is not empty, the key; then lists the
  // endpoint's models. False (error set) when the URL is not usable or the key not saved.
  Q_INVOKABLE bool connectTo(const QString& url, const QString& key);
  Q_INVOKABLE void forgetKey();
  Q_INVOKABLE void refreshModels();
  // Picks a model of the list: the open chat (or the next new one) answers from it (chosen).
  Q_INVOKABLE void use(const QString& modelId);

  // The open chat's remote endpoint (a remote chat was opened).
  void activateChat(const QString& url, const QString& modelId);
  // Whether the open chat's endpoint is the one configured here (only then is it sent
  // anything: a chat imported from a file cannot send the next messages to a server of its
  // choosing; the person connects to it on the Models page first).
  bool chatEndpointConfigured() const;
  // The open chat is a local one (a new chat: answered by the local model).
  Q_INVOKABLE void deactivate();
  // What the open chat talks to.
  RemoteEndpoint endpoint() const;
  QString currentModel() const { return currentModel_; }

 signals:
  void endpointChanged();
  void modelsChanged();
  void activeChanged();
  // use(): the person picked this remote model for the open chat.
  void chosen();

 private:
  void setActive(bool active);
  RemoteEndpoint configured() const;

  AppSettings* settings_;
  HubTokenStore keys_;
  RemoteClient* client_;
  QStringList models_;
  bool listing_ = false;
  QString error_;
  bool active_ = false;
  QUrl currentUrl_;
  QString currentModel_;
};

}  // namespace coil::app
