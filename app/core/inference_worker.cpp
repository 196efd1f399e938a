// InferenceWorker: set-up, model loading and device listing.
#include "inference_worker.hpp"

#include <QFileInfo>
#include <filesystem>

#include "coil/backend.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/tokenizer.hpp"
#include "state_keeper.hpp"

namespace coil::app {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {}

InferenceWorker::~InferenceWorker() {
  // The session refers to the model and the tokenizer: it goes first.
  chat_.reset();
}

void InferenceWorker::requestStop(qint64 upToRequestId) {
  qint64 seen = stopUpTo_.load();
  while (seen < upToRequestId && !stopUpTo_.compare_exchange_weak(seen, upToRequestId)) {
  }
  cancel_.store(true);
}

void InferenceWorker::initialize(const QString& dataDir) {
  try {
    keeper_ = std::make_unique<StateKeeper>(dataDir);
    keeper_->removeStaleTexts();
  } catch (const std::exception& e) {
    keeper_ = std::make_unique<StateKeeper>(QString());
    emit stateSaveFailed(0, QString::fromUtf8(e.what()), false);
  }
}

void InferenceWorker::unloadModel() {
  finished_.reset();
  chat_.reset();
  chatConfig_.reset();
  tokenizer_.reset();
  model_.reset();
  conversation_ = 0;
  emit modelUnloaded();
}

void InferenceWorker::loadModel(const LoadRequest& request) {
  emit loadStarted(request.path);
  finished_.reset();
  chat_.reset();
  chatConfig_.reset();
  tokenizer_.reset();
  model_.reset();
  conversation_ = 0;
  try {
    if (!QFileInfo(request.path).isDir())
      throw Error("the folder " + request.path.toStdString() + " does not exist");
    const std::filesystem::path dir(request.path.toStdString());
    emit loadProgress(0.05, tr("Reading the tokenizer"));
    auto tokenizer = Tokenizer::load(dir);
    emit loadProgress(0.2, tr("Reading the chat template"));
    auto config = ChatConfig::load(dir);
    emit loadProgress(0.3, tr("Loading the weights"));
    ModelOptions options;
    options.backend = request.backend.isEmpty() ? "auto" : request.backend.toStdString();
    options.backend_options.device = request.device;
    options.backend_options.threads = request.threads;
    auto model = Model::open(dir, options, /*allow_fallback=*/true);
    if (tokenizer->vocab_size() > model->config().vocab_size)
      throw Error("the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                  " tokens but the model only " + std::to_string(model->config().vocab_size) +
                  ": they do not belong together");
    emit loadProgress(0.9, tr("Preparing the session"));
    auto chat = std::make_unique<ChatSession>(*model, *tokenizer, config);

    ModelInfo info;
    info.path = request.path;
    info.name = QString::fromStdString(model->name());
    if (info.name.isEmpty()) info.name = QFileInfo(request.path).fileName();
    const BackendInfo backend = model->backend().info();
    info.backend = QString::fromStdString(backend.name);
    info.device = QString::fromStdString(backend.device);
    info.fallbackReason = QString::fromStdString(model->fallback_reason());
    info.fingerprint = model->fingerprint();
    info.weightBytes = qint64(model->weight_bytes());
    info.stateBytes = qint64(chat->session().state_bytes());

    model_ = std::move(model);
    tokenizer_ = std::move(tokenizer);
    chatConfig_ = std::move(config);
    chat_ = std::move(chat);
    emit loadProgress(1.0, tr("Ready"));
    emit modelLoaded(info);
  } catch (const std::exception& e) {
    emit modelLoadFailed(request.path, QString::fromUtf8(e.what()));
  }
}

void InferenceWorker::listDevices() {
  QVariantMap out;
  for (const std::string& name : compiled_backends()) {
    if (name == "cpu-ref") continue;
    QStringList devices;
    try {
      for (const std::string& d : list_devices(name)) devices << QString::fromStdString(d);
    } catch (const std::exception&) {
      // a backend with no usable device lists none
    }
    out.insert(QString::fromStdString(name), devices);
  }
  emit devicesListed(out);
}

}  // namespace coil::app
