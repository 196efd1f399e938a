// A client of an OpenAI-compatible server (a `coil serve` on a bigger machine, vLLM, SGLang):
// the model ids of GET {base}/models, and chat answers streamed from
// POST {base}/chat/completions as server-sent events. Everything runs on QNetworkAccessManager's
// signals: nothing waits. Answers come back as the inference worker's do (textGenerated,
// generationFinished, generationFailed with a GenerationResult), so the chat stores them the
// same way; their request ids are negative, never a worker's. A remote answer has no state
// (stateReady is false): the server keeps its own.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "worker_types.hpp"

class QNetworkAccessManager;
class QNetworkReply;

namespace coil::app {

struct RemoteEndpoint {
  QUrl baseUrl;    // "http://host:8080/v1" (normalizeRemoteUrl)
  QString apiKey;  // "" sends no Authorization header
};

// The base URL a person typed, made usable: a scheme (http:// when none), no user name or
// password, no trailing '/', "/v1" when no path was given. Invalid: an empty URL and *error.
QUrl normalizeRemoteUrl(const QString& text, QString* error);

struct RemoteRequest {
  qint64 conversationId = 0;
  QString model;  // the id from GET /models
  QList<ChatTurn> turns;
  coil::SamplingParams sampling;
  int maxTokens = 512;
};

class RemoteClient : public QObject {
  Q_OBJECT

 public:
  static constexpr qint64 kMaxEventBytes = 4 << 20;    // one server-sent event
  static constexpr qint64 kMaxAnswerBytes = 64 << 20;  // one whole answer
  static constexpr qint64 kMaxListBytes = 4 << 20;     // the /models reply
  static constexpr double kMinStreamMsForSpeed = 250;  // shorter: no tokens/s is shown

  explicit RemoteClient(QObject* parent = nullptr);
  ~RemoteClient() override;

  // Lists the endpoint's model ids (modelsListed or modelsFailed). A newer call replaces
  // one still running.
  void listModels(const RemoteEndpoint& endpoint);
  // Starts an answer; returns its request id (< 0). One at a time: a running one is stopped.
  qint64 generate(const RemoteEndpoint& endpoint, const RemoteRequest& request);
  // Stops the answer in progress: generationFinished with finishReason "cancelled" and the
  // text so far (the connection is closed, which cancels it on the server).
  void stop();
  bool busy() const { return !reply_.isNull(); }

  // How long a reply may stay silent before it is given up (tests shorten it).
  void setSilenceTimeoutMs(int ms) { silenceMs_ = ms; }

 signals:
  void modelsListed(const QStringList& ids);
  void modelsFailed(const QString& reason);
  void textGenerated(qint64 requestId, const QString& piece);
  void generationFinished(const coil::app::GenerationResult& result);
  void generationFailed(qint64 requestId, const QString& reason);

 private:
  QNetworkReply* send(const RemoteEndpoint& endpoint, const QString& path,
                      const QByteArray& body = {});
  void onData();
  void onDone();
  // Reads one event; false when the answer ends (done, an error event).
  bool onEvent(const QByteArray& data);
  void fail(QString reason);
  void finish(const QString& finishReason);
  QString describe(QNetworkReply* reply, const QByteArray& body) const;

  QNetworkAccessManager* net_;
  QPointer<QNetworkReply> list_;
  QPointer<QNetworkReply> reply_;
  int silenceMs_ = 300000;
  qint64 nextId_ = 0;

  // The answer in progress.
  struct Answer {
    qint64 id = 0;
    qint64 conversationId = 0;
    QString endpoint;   // for messages
    QByteArray buffer;  // bytes not yet split into events
    GenerationResult result;
    qint64 textBytes = 0;
    bool done = false;     // [DONE] or a finish_reason came
    bool stopped = false;  // stop() was called
    QString error;         // an error event of the stream
    QElapsedTimer clock;
    double firstTokenMs = -1;
  };
  Answer a_;
};

}  // namespace coil::app
