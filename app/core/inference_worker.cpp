// InferenceWorker: set-up, model loading (with progress and cancellation) and device listing.
#include "inference_worker.hpp"

#include <QFileInfo>
#include <algorithm>
#include <filesystem>
#include <limits>

#include "coil/backend.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/tokenizer.hpp"
#include "state_keeper.hpp"

namespace coil::app {

InferenceWorker::InferenceWorker(const coil::ModelOptions& engineOptions, QObject* parent)
    : QObject(parent), engineOptions_(engineOptions) {}

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
  } catch (const std::exception& e) {
    keeper_ = std::make_unique<StateKeeper>(QString());
    emit stateSaveFailed(0, QString::fromUtf8(e.what()), false);
  }
}

void InferenceWorker::requestCancelLoad(qint64 upToLoadId) {
  const std::lock_guard lock(loadMutex_);
  cancelLoadsUpTo_ = std::max(cancelLoadsUpTo_, upToLoadId);
  if (runningLoad_ != 0 && runningLoad_ <= cancelLoadsUpTo_) loadCancel_.store(true);
}

void InferenceWorker::beginLoad(qint64 id) {
  const std::lock_guard lock(loadMutex_);
  runningLoad_ = id;
  loadCancel_.store(id <= cancelLoadsUpTo_);
}

void InferenceWorker::endLoad() {
  const std::lock_guard lock(loadMutex_);
  runningLoad_ = 0;
  loadCancel_.store(false);
}

void InferenceWorker::dropModel() {
  finished_.reset();
  chat_.reset();
  chatConfig_.reset();
  tokenizer_.reset();
  model_.reset();
  conversation_ = 0;
}

void InferenceWorker::unloadModel() {
  dropModel();
  emit modelUnloaded();
}

void InferenceWorker::loadModel(const LoadRequest& request) {
  // WorkerHost numbers loads from 1; a request not made through it (id 0) is not cancellable.
  beginLoad(request.id > 0 ? request.id : std::numeric_limits<qint64>::max());
  emit loadStarted(request.path);
  dropModel();  // before reading the new one: never two models in memory at once
  const auto checkCancel = [this] {
    if (loadCancel_.load()) throw LoadCancelled();
  };
  try {
    checkCancel();
    if (!QFileInfo(request.path).isDir())
      throw Error("the folder " + request.path.toStdString() + " does not exist");
    const std::filesystem::path dir(request.path.toStdString());
    emit loadProgress(0.01, tr("Reading the tokenizer"));
    auto tokenizer = Tokenizer::load(dir);
    checkCancel();
    emit loadProgress(0.03, tr("Reading the chat template"));
    auto config = ChatConfig::load(dir);
    checkCancel();
    // The engine's fractions (by bytes fingerprinted and uploaded) fill the bar from 5%
    // to 95%; it checks loadCancel_ between tensors.
    constexpr double kWeightsFrom = 0.05, kWeightsTo = 0.95;
    ModelOptions options = engineOptions_;
    options.backend = request.backend.isEmpty() ? "auto" : request.backend.toStdString();
    options.backend_options.device = request.device;
    options.backend_options.threads = request.threads;
    options.cancel = &loadCancel_;
    options.progress = [this](double fraction, const std::string& stage) {
      emit loadProgress(kWeightsFrom + (kWeightsTo - kWeightsFrom) * fraction,
                        QString::fromStdString(stage));
    };
    auto model = Model::open(dir, options, /*allow_fallback=*/true);
    if (tokenizer->vocab_size() > model->config().vocab_size)
      throw Error("the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                  " tokens but the model only " + std::to_string(model->config().vocab_size) +
                  ": they do not belong together");
    checkCancel();
    emit loadProgress(0.97, tr("Preparing the session"));
    auto chat = std::make_unique<ChatSession>(*model, *tokenizer, config);

    ModelInfo info;
    info.path = request.path;
    info.name = QString::fromStdString(model->name());
    if (info.name.isEmpty()) info.name = QFileInfo(request.path).fileName();
    const BackendInfo backend = model->backend().info();
    info.backend = QString::fromStdString(backend.name);
    info.device = QString::fromStdString(backend.device);
    info.fallbackReason = QString::fromStdString(model->fallback_reason());
    info.threads = backend.threads;
    info.fingerprint = model->fingerprint();
    info.weightBytes = qint64(model->weight_bytes());
    info.stateBytes = qint64(chat->session().state_bytes());
    checkCancel();  // the last point where a cancel is honoured

    model_ = std::move(model);
    tokenizer_ = std::move(tokenizer);
    chatConfig_ = std::move(config);
    chat_ = std::move(chat);
    endLoad();
    emit loadProgress(1.0, tr("Ready"));
    emit modelLoaded(info);
  } catch (const LoadCancelled&) {
    endLoad();
    emit loadCancelled(request.path);
  } catch (const std::exception& e) {
    endLoad();
    emit modelLoadFailed(request.path, QString::fromUtf8(e.what()));
  }
}

void InferenceWorker::listDevices() {
  QVariantMap out;
  QVariantList gpus;
  for (const std::string& name : compiled_backends()) {
    if (name == "cpu-ref") continue;
    QStringList devices;
    try {
      for (const DeviceDescription& d : describe_devices(name, engineOptions_.backend_options)) {
        devices << QString::fromStdString(d.text);
        if (d.hardware_gpu)
          gpus << QVariantMap{{QStringLiteral("name"), QString::fromStdString(d.text)},
                              {QStringLiteral("bytes"), qint64(d.memory_bytes)}};
      }
    } catch (const std::exception&) {
      // a backend with no usable device lists none
    }
    out.insert(QString::fromStdString(name), devices);
  }
  emit devicesListed(out, gpus);
}

}  // namespace coil::app
