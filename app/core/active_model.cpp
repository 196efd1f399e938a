// ActiveModel: model loads asked for by the UI, their progress, cancellation and outcome.
#include "active_model.hpp"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

#include "app_settings.hpp"
#include "banner_model.hpp"
#include "inference_worker.hpp"
#include "model_name.hpp"
#include "status_info.hpp"
#include "worker_host.hpp"

namespace coil::app {

ActiveModel::ActiveModel(WorkerHost* host, AppSettings* settings, BannerModel* banners,
                         StatusInfo* status, QObject* parent)
    : QObject(parent), host_(host), settings_(settings), banners_(banners), status_(status) {
  InferenceWorker* w = host->worker();
  connect(w, &InferenceWorker::loadStarted, this, &ActiveModel::onStarted);
  // A closed fallback banner stays closed (across restarts too) until its reason changes.
  connect(banners_, &BannerModel::closed, this, [this](const QString& key) {
    if (key == QLatin1String("fallback") && !info_.fallbackReason.isEmpty())
      settings_->setClosedBanner(key, fallbackKey(info_));
  });
  connect(w, &InferenceWorker::loadProgress, this, &ActiveModel::onProgress);
  connect(w, &InferenceWorker::modelLoaded, this, &ActiveModel::onLoaded);
  connect(w, &InferenceWorker::modelLoadFailed, this, &ActiveModel::onFailed);
  connect(w, &InferenceWorker::loadCancelled, this, &ActiveModel::onCancelled);
}

void ActiveModel::load(const QString& pathOrUrl) {
  QString path = pathOrUrl;
  if (pathOrUrl.startsWith(QLatin1String("file:"))) path = QUrl(pathOrUrl).toLocalFile();
  if (path.isEmpty()) return;
  path = QDir::cleanPath(QDir(path).absolutePath());
  LoadRequest r;
  r.path = path;
  r.backend = settings_->backend();
  r.device = settings_->device();
  r.threads = settings_->threads();
  r.weights = settings_->weights();
  ++pending_;
  loadingPath_ = path;
  loading_ = true;
  progress_ = 0;
  stage_ = tr("Waiting for the engine");
  emit progressChanged();
  emit loadingChanged();
  emit loadRequested(path);
  host_->load(r);
}

void ActiveModel::reload() {
  const QString p = info_.path.isEmpty() ? settings_->modelPath() : info_.path;
  if (!p.isEmpty()) load(p);
}

void ActiveModel::cancelLoad() {
  if (!loading_) return;
  host_->cancelLoad();
  stage_ = tr("Cancelling");
  emit progressChanged();
}

void ActiveModel::onStarted(const QString& path) {
  // The worker dropped the previous model as it started this load.
  if (!info_.path.isEmpty()) {
    info_ = {};
    status_->clearModel();
    emit modelChanged();
  }
  loadingPath_ = path;
  emit loadingChanged();
}

void ActiveModel::onProgress(double fraction, const QString& stage) {
  progress_ = fraction;
  stage_ = stage;
  emit progressChanged();
}

void ActiveModel::onLoaded(const ModelInfo& info) {
  if (--pending_ > 0) return;  // a newer load is queued: this one is about to be replaced
  info_ = info;
  loading_ = false;
  setError({});
  settings_->setModelPath(info.path);
  // a model from outside the Hugging Face cache stays in the model switcher
  if (repoIdOfSnapshotPath(info.path).isEmpty()) settings_->rememberModelFolder(info.path);
  settings_->refreshQuantizedCopies();  // the load may have made one
  status_->setModel(info);
  banners_->dismiss(QStringLiteral("model-load"));
  banners_->dismiss(QStringLiteral("no-model"));
  // a damaged quantized copy made again: said once, for this load
  if (info.notice.isEmpty())
    banners_->dismiss(QStringLiteral("model-notice"));
  else
    banners_->show({QStringLiteral("model-notice"), BannerModel::Info,
                    tr("The quantized copy of the weights was made again"), info.notice,
                    QString()});
  if (info.fallbackReason.isEmpty() ||
      settings_->closedBanner(QStringLiteral("fallback")) == fallbackKey(info)) {
    banners_->dismiss(QStringLiteral("fallback"));
  } else {
    banners_->show(fallbackBanner(info));
  }
  emit loadingChanged();
  emit modelChanged();
}

QString ActiveModel::fallbackKey(const ModelInfo& info) const {
  return settings_->backend() + QLatin1Char('\n') + info.backend + QLatin1Char('\n') +
         info.fallbackReason;
}

Banner ActiveModel::fallbackBanner(const ModelInfo& info) const {
  // One plain sentence; the engine's reason and what to do behind "Details". With Auto, the
  // CPU is one of the expected outcomes (a machine without a usable GPU): information. A
  // backend picked by name that could not run is a warning.
  const QString on = info.backend == QLatin1String("cpu") ? tr("the CPU") : info.backend.toUpper();
  if (settings_->backend() == QLatin1String("auto"))
    return {QStringLiteral("fallback"),
            BannerModel::Info,
            tr("No usable GPU was found, so Coil runs on %1 and answers come more slowly.").arg(on),
            QString(),
            QString(),
            info.fallbackReason + QStringLiteral("\n\n") +
                tr("With an NVIDIA driver (CUDA) or a Vulkan GPU driver installed, Auto uses "
                   "the GPU.")};
  return {QStringLiteral("fallback"),
          BannerModel::Warning,
          tr("The backend you chose could not run, so Coil runs on %1 and answers come more "
             "slowly.")
              .arg(on),
          QString(),
          QString(),
          info.fallbackReason + QStringLiteral("\n\n") +
              tr("Check the GPU driver, or pick another backend in Settings and reload the "
                 "model.")};
}

void ActiveModel::onFailed(const QString& path, const QString& reason) {
  if (--pending_ > 0) return;
  loading_ = false;
  setError(reason);
  banners_->show({QStringLiteral("model-load"), BannerModel::Error,
                  tr("The model could not be loaded"),
                  QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), reason),
                  tr("Choose a model folder holding config.json, the .safetensors weights and "
                     "tokenizer.json, or a .gguf file (chat settings, Model; Models, "
                     "Installed), or start Coil with --model DIR|FILE.gguf.")});
  emit loadingChanged();
  emit loadFailed(reason);
}

void ActiveModel::onCancelled(const QString&) {
  if (--pending_ > 0) return;  // a newer load is queued (it was asked for after the cancel)
  loading_ = false;
  progress_ = 0;
  stage_.clear();
  setError({});
  banners_->dismiss(QStringLiteral("model-load"));
  emit progressChanged();
  emit loadingChanged();
  emit loadCancelled();
}

void ActiveModel::setError(const QString& error) {
  if (error == error_) return;
  error_ = error;
  emit errorChanged();
}

QString ActiveModel::loadingName() const {
  return modelDisplayName(loadingPath_);
}

QString ActiveModel::title() const {
  return modelTitle(info_.name, info_.quant);
}

}  // namespace coil::app
