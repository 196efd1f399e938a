#include "remote_controller.hpp"

#include "app_settings.hpp"

namespace coil::app {

RemoteController::RemoteController(AppSettings* settings, const QString& dataDir, QObject* parent)
    : QObject(parent),
      settings_(settings),
      keys_(dataDir, QStringLiteral("remote_api_key")),
      client_(new RemoteClient(this)) {
  connect(client_, &RemoteClient::modelsListed, this, [this](const QStringList& ids) {
    listing_ = false;
    error_.clear();
    models_ = ids;
    emit modelsChanged();
  });
  connect(client_, &RemoteClient::modelsFailed, this, [this](const QString& reason) {
    listing_ = false;
    error_ = reason;
    models_.clear();
    emit modelsChanged();
  });
}

QString RemoteController::url() const {
  return settings_->remoteUrl();
}

QString RemoteController::modelId() const {
  return settings_->remoteModel();
}

QString RemoteController::title() const {
  if (!active_) return {};
  return QStringLiteral("%1 · %2").arg(currentModel_, currentUrl_.host());
}

bool RemoteController::chatEndpointConfigured() const {
  return active_ && !currentUrl_.isEmpty() && currentUrl_ == QUrl(settings_->remoteUrl());
}

RemoteEndpoint RemoteController::endpoint() const {
  const RemoteEndpoint c = configured();
  return {currentUrl_, currentUrl_ == c.baseUrl ? c.apiKey : QString()};
}

RemoteEndpoint RemoteController::configured() const {
  return {QUrl(settings_->remoteUrl()), keys_.token()};
}

bool RemoteController::connectTo(const QString& text, const QString& key) {
  QString why;
  const QUrl url = normalizeRemoteUrl(text, &why);
  if (url.isEmpty()) {
    error_ = why;
    models_.clear();
    emit modelsChanged();
    return false;
  }
  if (!key.trimmed().isEmpty() && !keys_.setToken(key, &why)) {
    error_ = tr("The API key could not be saved: %1").arg(why);
    emit modelsChanged();
    return false;
  }
  settings_->setRemoteUrl(url.toString());
  emit endpointChanged();
  emit activeChanged();  // the open chat's endpoint may be the configured one now
  refreshModels();
  return true;
}

void RemoteController::forgetKey() {
  QString why;
  if (!keys_.setToken(QString(), &why)) {
    error_ = tr("The API key could not be removed: %1").arg(why);
    emit modelsChanged();
    return;
  }
  emit endpointChanged();
}

void RemoteController::refreshModels() {
  if (settings_->remoteUrl().isEmpty()) return;
  listing_ = true;
  error_.clear();
  emit modelsChanged();
  client_->listModels(configured());
}

void RemoteController::use(const QString& modelId) {
  if (modelId.isEmpty() || settings_->remoteUrl().isEmpty()) return;
  settings_->setRemoteModel(modelId);
  emit endpointChanged();
  currentUrl_ = QUrl(settings_->remoteUrl());
  currentModel_ = modelId;
  setActive(true);
  emit activeChanged();  // the title, even when it was active already
  emit chosen();
}

void RemoteController::activateChat(const QString& url, const QString& modelId) {
  currentUrl_ = QUrl(url);
  currentModel_ = modelId;
  setActive(true);
  emit activeChanged();
}

void RemoteController::deactivate() {
  setActive(false);
}

void RemoteController::setActive(bool active) {
  if (active == active_) return;
  active_ = active;
  emit activeChanged();
}

}  // namespace coil::app
