// RemoteClient against a server that misbehaves (a canned HTTP reply from a local socket): an
// error event in the middle of a stream, an event that is not JSON, an endless event, a
// /models reply that is no list, a 404, a reply that ignored "stream" — each a clear message
// (or the answer), never a hang or a crash; and the request it sends (the key, the fields).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "remote_client.hpp"

using namespace coil::app;

namespace {

// Answers every connection with `reply` (raw bytes) and closes it; keeps the last request.
class CannedServer : public QTcpServer {
 public:
  explicit CannedServer(QByteArray reply) : reply_(std::move(reply)) {
    listen(QHostAddress::LocalHost, 0);
    connect(this, &QTcpServer::newConnection, this, [this] {
      QTcpSocket* s = nextPendingConnection();
      connect(s, &QTcpSocket::readyRead, s, [this, s] {
        request += s->readAll();
        if (!request.contains("\r\n\r\n")) return;
        const qsizetype head = request.indexOf("\r\n\r\n") + 4;
        const QByteArray lenHeader = "Content-Length: ";
        const qsizetype at = request.indexOf(lenHeader);
        const int len = at < 0 ? 0 : request.mid(at + lenHeader.size()).split('\r')[0].toInt();
        if (request.size() < head + len) return;
        s->write(reply_);
        s->disconnectFromHost();
      });
    });
  }
  RemoteEndpoint endpoint() const {
    return {QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(serverPort())), "sk-canned"};
  }
  QByteArray request;

 private:
  QByteArray reply_;
};

QByteArray sse(const QByteArray& events) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + events;
}

QByteArray chunk(const char* text) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + QByteArray(text) +
         "\"},\"finish_reason\":null}]}\n\n";
}

RemoteRequest hello() {
  RemoteRequest r;
  r.model = "m";
  r.turns << ChatTurn{"system", "be brief"} << ChatTurn{"user", "hi"};
  r.sampling.temperature = 0.5f;
  r.sampling.top_k = 7;
  r.sampling.seed = 42;
  r.maxTokens = 9;
  return r;
}

}  // namespace

class TestRemoteClient : public QObject {
  Q_OBJECT

  // Runs one answer against `reply`; returns the failure reason ("" when it finished).
  QString run(const QByteArray& reply, GenerationResult* result = nullptr,
              QByteArray* request = nullptr) {
    CannedServer server(reply);
    RemoteClient client;
    QSignalSpy finished(&client, &RemoteClient::generationFinished);
    QSignalSpy failed(&client, &RemoteClient::generationFailed);
    const qint64 id = client.generate(server.endpoint(), hello());
    if (id >= 0) return "a non-negative id";
    if (!QTest::qWaitFor([&] { return finished.size() + failed.size() > 0; }, 30000))
      return "no answer";
    if (request) *request = server.request;
    if (!finished.isEmpty()) {
      if (result) *result = finished.first().at(0).value<GenerationResult>();
      return {};
    }
    if (result) result->requestId = failed.first().at(0).toLongLong();
    return failed.first().at(1).toString();
  }

 private slots:
  void sendsTheChatAsOpenAIWants() {
    GenerationResult r;
    QByteArray request;
    const QString error =
        run(sse(chunk("Hel") + chunk("lo") +
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2}}"
                "\r\n\r\ndata: [DONE]\n\n"),
            &r, &request);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(r.text, QStringLiteral("Hello"));
    QCOMPARE(r.finishReason, QStringLiteral("stop"));
    QCOMPARE(r.promptTokens, 11);
    QCOMPARE(r.completionTokens, 2);
    QVERIFY(!r.stateReady);
    QVERIFY(request.startsWith("POST /v1/chat/completions HTTP/1.1\r\n"));
    QVERIFY(request.contains("Authorization: Bearer sk-canned\r\n"));
    const QJsonObject body =
        QJsonDocument::fromJson(request.mid(request.indexOf("\r\n\r\n") + 4)).object();
    QCOMPARE(body["model"].toString(), "m");
    QCOMPARE(body["stream"].toBool(), true);
    QCOMPARE(body["max_tokens"].toInt(), 9);
    QCOMPARE(body["top_k"].toInt(), 7);
    QCOMPARE(body["seed"].toInteger(), 42);
    QCOMPARE(body["messages"].toArray().size(), 2);
    QCOMPARE(body["messages"].toArray()[0].toObject()["role"].toString(), "system");
  }

  void anErrorEventEndsTheAnswerWithItsMessage() {
    const QString error =
        run(sse(chunk("par") + "data: {\"error\":{\"message\":\"generation failed: out of "
                               "memory\",\"type\":\"server_error\"}}\n\ndata: [DONE]\n\n"));
    QCOMPARE(error,
             QStringLiteral("The server stopped the answer: generation failed: out of memory"));
  }

  void anEventThatIsNotJsonIsAnError() {
    const QString error = run(sse(chunk("a") + "data: {not json\n\n"));
    QVERIFY2(error.startsWith("The server sent an event that is not JSON: {not json"),
             qPrintable(error));
  }

  void anEndlessEventIsCutOff() {
    const QString error =
        run(sse("data: \"" + QByteArray(RemoteClient::kMaxEventBytes + 1000, 'x')));
    QVERIFY2(error.contains("an event larger than 4 MB"), qPrintable(error));
  }

  void aStreamThatStopsEarlyIsInterrupted() {
    const QString error = run(sse(chunk("half an ans")));
    QVERIFY2(error.contains("lost in the middle of the answer"), qPrintable(error));
  }

  void aReplyThatIgnoredStreamIsStillTheAnswer() {
    GenerationResult r;
    const QString error =
        run("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"whole\"},"
            "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":"
            "-5}}",
            &r);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(r.text, QStringLiteral("whole"));
    QCOMPARE(r.finishReason, QStringLiteral("length"));
    QCOMPARE(r.promptTokens, 3);
    QCOMPARE(r.completionTokens, 0);  // a negative count is no count
  }

  void httpErrorsSayWhatToDo() {
    const QString notFound =
        run("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            "Content-Length: 9\r\n\r\nnot found");
    QVERIFY2(notFound.contains("HTTP 404") && notFound.contains("/v1/chat/completions") &&
                 notFound.contains("base URL"),
             qPrintable(notFound));
    const QString busy =
        run("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: "
            "close\r\n\r\n{\"error\":{\"message\":\"the queue is full\",\"code\":\"queue_full\"}}");
    QVERIFY2(busy.contains("HTTP 429: the queue is full"), qPrintable(busy));
  }

  void aModelListThatIsNoListIsAnError() {
    CannedServer server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>hi</html>");
    RemoteClient client;
    QSignalSpy failed(&client, &RemoteClient::modelsFailed);
    client.listModels(server.endpoint());
    QVERIFY(failed.wait(30000));
    QVERIFY2(failed.first().at(0).toString().contains("did not answer with a list of models"),
             qPrintable(failed.first().at(0).toString()));
    QVERIFY(server.request.startsWith("GET /v1/models HTTP/1.1\r\n"));
  }
};

QTEST_MAIN(TestRemoteClient)
#include "tst_remote_client.moc"
