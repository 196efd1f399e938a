// WorkerHost: the worker's thread, and the UI-thread calls forwarded to it.
#include "worker_host.hpp"

#include "inference_worker.hpp"

namespace coil::app {

void registerWorkerTypes() {
  qRegisterMetaType<LoadRequest>();
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<GenerateRequest>();
  qRegisterMetaType<PrepareRequest>();
  qRegisterMetaType<ResumeReport>();
  qRegisterMetaType<GenerationResult>();
}

WorkerHost::WorkerHost(const QString& dataDir, const coil::ModelOptions& engineOptions,
                       QObject* parent)
    : QObject(parent) {
  registerWorkerTypes();
  worker_ = new InferenceWorker(engineOptions);
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(this, &WorkerHost::initializeRequested, worker_, &InferenceWorker::initialize);
  connect(this, &WorkerHost::loadRequested, worker_, &InferenceWorker::loadModel);
  connect(this, &WorkerHost::prepareRequested, worker_, &InferenceWorker::prepare);
  connect(this, &WorkerHost::generateRequested, worker_, &InferenceWorker::generate);
  connect(this, &WorkerHost::saveStateRequested, worker_, &InferenceWorker::saveState);
  connect(this, &WorkerHost::listDevicesRequested, worker_, &InferenceWorker::listDevices);
  thread_.setObjectName(QStringLiteral("coil-inference"));
  thread_.start();
  emit initializeRequested(dataDir);
}

WorkerHost::~WorkerHost() {
  stop();
  cancelLoad();
  thread_.quit();
  thread_.wait();  // the worker is deleted on its thread as it finishes
}

qint64 WorkerHost::load(LoadRequest request) {
  request.id = ++lastLoadId_;
  emit loadRequested(request);
  return request.id;
}

void WorkerHost::cancelLoad() {
  if (worker_) worker_->requestCancelLoad(lastLoadId_);
}
void WorkerHost::prepare(const PrepareRequest& request) {
  emit prepareRequested(request);
}

qint64 WorkerHost::generate(GenerateRequest request) {
  request.id = ++lastRequestId_;
  emit generateRequested(request);
  return request.id;
}

void WorkerHost::saveState(qint64 requestId, qint64 messageId) {
  emit saveStateRequested(requestId, messageId);
}

void WorkerHost::listDevices() {
  emit listDevicesRequested();
}

void WorkerHost::stop() {
  if (worker_) worker_->requestStop(lastRequestId_);
}

}  // namespace coil::app
