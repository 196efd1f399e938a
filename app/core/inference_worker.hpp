// The inference worker: a QObject that lives on its own QThread (see WorkerHost) and owns
// the engine objects (model, tokenizer, chat session). The UI thread reaches it only by
// queued calls to its slots; everything comes back as signals carrying plain values, errors
// included. requestStop() and requestCancelLoad() are the exceptions: thread-safe, they
// flip the atomic flags the engine checks between tokens and prefill chunks, and between
// the tensors of a model being loaded (the worker is busy then: a queued call would only
// arrive after the load).
//
// Loading frees the previous model first (a 7B model must not need twice its memory), so a
// cancelled load leaves no model loaded: the app is back in its clean "no model" state,
// ready for the next load.
#pragma once
#include <QObject>
#include <QString>
#include <QVariantMap>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "coil/chat.hpp"
#include "coil/model.hpp"
#include "coil/state.hpp"
#include "worker_types.hpp"

namespace coil {
class Tokenizer;
class ChatSession;
}  // namespace coil

namespace coil::app {

class StateKeeper;

class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  // engineOptions: what every model load starts from (the COIL_* switches main() read).
  explicit InferenceWorker(const coil::ModelOptions& engineOptions = {}, QObject* parent = nullptr);
  ~InferenceWorker() override;

  // Thread-safe. Stops the running generation (or load-and-generate) whose request id is
  // <= upToRequestId, including one still queued.
  void requestStop(qint64 upToRequestId);
  // Thread-safe. Cancels the model load whose id is <= upToLoadId, running or still queued:
  // it ends with loadCancelled() instead of modelLoaded() / modelLoadFailed().
  void requestCancelLoad(qint64 upToLoadId);

 public slots:
  // Opens the data folder's state store on this thread ("" for none). Call first.
  void initialize(const QString& dataDir);
  void loadModel(const coil::app::LoadRequest& request);
  void prepare(const coil::app::PrepareRequest& request);
  void generate(const coil::app::GenerateRequest& request);
  // Stores the state the answer of `requestId` left, as the checkpoint after messageId.
  void saveState(qint64 requestId, qint64 messageId);
  // One line per usable device of each compiled backend.
  void listDevices();
  // Counts the tokens of an attachment's text with the loaded model's tokenizer.
  void countTokens(qint64 key, const QString& text);

 signals:
  void loadStarted(const QString& path);
  void loadProgress(double fraction, const QString& stage);
  void modelLoaded(const coil::app::ModelInfo& info);
  void modelLoadFailed(const QString& path, const QString& reason);
  // The load was cancelled (requestCancelLoad); no model is loaded now.
  void loadCancelled(const QString& path);

  void prepared(const coil::app::ResumeReport& report);
  void generationStarted(qint64 requestId);
  void textGenerated(qint64 requestId, const QString& piece);
  // Prompt tokens read of the total before the answer starts (after each prefill chunk).
  void prefillProgress(qint64 requestId, qint64 done, qint64 total);
  void generationFinished(const coil::app::GenerationResult& result);
  void generationFailed(qint64 requestId, const QString& reason);
  // Reading attached documents before an answer: tokens read of `total`, after each piece.
  void readingProgress(qint64 requestId, qint64 done, qint64 total, double elapsedMs);
  // The state right after the documents was saved as the checkpoint after messageId.
  void documentCheckpointSaved(qint64 conversationId, qint64 messageId, qint64 tokens);
  // tokens -1: no model is loaded (or the text could not be tokenized).
  void tokensCounted(qint64 key, qint64 tokens);

  void stateSaved(qint64 conversationId, qint64 messageId, qint64 bytes, double ms);
  void stateSaveFailed(qint64 conversationId, const QString& reason, bool diskFull);
  // devices: {"cpu": [text], "cuda": [text...], "vulkan": [...]} (the settings page);
  // gpus: [{"name": text, "bytes": device memory}] of the usable hardware GPUs of every
  // backend (no CPU implementation such as lavapipe), for the memory-fit badges.
  void devicesListed(const QVariantMap& devices, const QVariantList& gpus);

 private:
  // Makes the session cover a prefix of `rendered` for the conversation, restoring the
  // nearest usable checkpoint at or before `messageId` when it does not already.
  // `alsoFrom`: further messages whose nearest checkpoint may serve (the longest usable wins).
  ResumeReport resume(qint64 conversationId, qint64 messageId, const std::string& rendered,
                      const QList<qint64>& alsoFrom = {});
  // The prefix of the rendered prompt that ends right after the last turn's documents
  // ("" when it has none).
  std::string documentPrefix(const GenerateRequest& request, const std::string& rendered) const;
  // Reads the documents (the session then covers `prefix`) and saves that state as the
  // anchor's checkpoint. Returns false when stopped.
  bool readDocuments(const GenerateRequest& request, const std::string& prefix,
                     GenerationResult& out);
  std::string render(const QList<ChatTurn>& turns, bool addGenerationPrompt) const;
  bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
  // Marks load `id` as the running one and arms loadCancel_ for it; endLoad() disarms.
  void beginLoad(qint64 id);
  void endLoad();
  void dropModel();

  const coil::ModelOptions engineOptions_;
  // A quantized load: the copy is made (or found) in [kWeightsFrom, kQuantizedTo) of the
  // bar, its upload fills the rest up to kWeightsTo.
  static constexpr double kWeightsFrom = 0.05, kQuantizedTo = 0.5, kWeightsTo = 0.95;
  // <data folder>/quantized holds at most this much (least recently used copies go first).
  static constexpr uint64_t kQuantizedBudgetBytes = 64'000'000'000;
  // `dir` itself, or the quantized copy LoadRequest::weights asks for (made now if needed).
  // A damaged copy found in the cache is made again and *notice says so.
  std::filesystem::path quantizedWeights(const LoadRequest& request,
                                         const std::filesystem::path& dir, QString* notice);
  std::unique_ptr<StateKeeper> keeper_;
  QString dataDir_;  // quantized copies go to <dataDir_>/quantized
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatConfig> chatConfig_;
  std::unique_ptr<ChatSession> chat_;
  qint64 conversation_ = 0;  // the conversation the session's state belongs to

  // What the last answer left, kept until saveState() stores it.
  struct FinishedTurn {
    qint64 requestId = 0;
    qint64 conversationId = 0;
    RecurrentState state;
    std::string coveredText;
  };
  std::optional<FinishedTurn> finished_;

  std::atomic<bool> cancel_{false};
  std::atomic<qint64> stopUpTo_{0};

  std::mutex loadMutex_;                 // guards the two ids with respect to loadCancel_
  qint64 runningLoad_ = 0;               // the load in progress, 0: none
  qint64 cancelLoadsUpTo_ = 0;           // loads with an id up to this one are cancelled
  std::atomic<bool> loadCancel_{false};  // read by the engine between tensors
};

}  // namespace coil::app
