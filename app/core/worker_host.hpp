// Owns the inference worker's thread. Lives on the UI thread: every call here is forwarded
// to the worker by a queued signal and returns at once; results come back through the
// worker's signals (connect to worker(): the connections are queued automatically).
#pragma once
#include <QObject>
#include <QThread>

#include "coil/model.hpp"
#include "worker_types.hpp"

namespace coil::app {

class InferenceWorker;

class WorkerHost : public QObject {
  Q_OBJECT

 public:
  // dataDir: where the worker saves and finds recurrent states ("" for nowhere).
  // engineOptions: what every model load starts from (main() fills it from the COIL_*
  // environment); a load request sets the backend, device and threads on top.
  explicit WorkerHost(const QString& dataDir, const coil::ModelOptions& engineOptions = {},
                      QObject* parent = nullptr);
  ~WorkerHost() override;

  InferenceWorker* worker() const { return worker_; }

  // Assigns and returns the load's id.
  qint64 load(LoadRequest request);
  // Cancels the running load and any queued one at once (does not wait for the worker,
  // which is busy loading): each ends with InferenceWorker::loadCancelled, and no model is
  // loaded afterwards. A load asked for later is not affected.
  void cancelLoad();
  void prepare(const PrepareRequest& request);
  // Assigns and returns the request's id.
  qint64 generate(GenerateRequest request);
  void saveState(qint64 requestId, qint64 messageId);
  void listDevices();
  // Stops the running and any queued generation at once (does not wait for the worker).
  void stop();

 signals:
  void initializeRequested(const QString& dataDir);
  void loadRequested(const coil::app::LoadRequest& request);
  void prepareRequested(const coil::app::PrepareRequest& request);
  void generateRequested(const coil::app::GenerateRequest& request);
  void saveStateRequested(qint64 requestId, qint64 messageId);
  void listDevicesRequested();

 private:
  QThread thread_;
  InferenceWorker* worker_ = nullptr;
  qint64 lastRequestId_ = 0;
  qint64 lastLoadId_ = 0;
};

void registerWorkerTypes();

}  // namespace coil::app
