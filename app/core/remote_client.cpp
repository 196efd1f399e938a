#include "remote_client.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace coil::app {

namespace {

constexpr int kListTimeoutMs = 15000;

// The "error" object of an OpenAI-shaped body ({"error": {"message": ...}}), or "".
QString errorMessageOf(const QByteArray& body) {
  const QJsonObject o = QJsonDocument::fromJson(body).object();
  const QJsonValue e = o.value(QLatin1String("error"));
  if (e.isObject()) return e.toObject().value(QLatin1String("message")).toString();
  if (e.isString()) return e.toString();
  return {};
}

// A count of a "usage" object: 0 when absent, negative or not a number.
qint64 tokenCount(const QJsonObject& usage, const char* key) {
  return std::max<qint64>(0, usage.value(QLatin1String(key)).toInteger());
}

QString shortText(QString s) {
  s = s.simplified();
  return s.size() > 300 ? s.left(300) + QChar(0x2026) : s;
}

}  // namespace

QUrl normalizeRemoteUrl(const QString& text, QString* error) {
  QString t = text.trimmed();
  if (t.isEmpty()) {
    if (error) *error = QObject::tr("Enter the server's address, e.g. http://gpu-box:8080/v1");
    return {};
  }
  if (!t.contains(QLatin1String("://"))) t.prepend(QLatin1String("http://"));
  QUrl url(t, QUrl::StrictMode);
  const QString scheme = url.scheme().toLower();
  if (!url.isValid() || url.host().isEmpty() ||
      (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
    if (error)
      *error = QObject::tr("\"%1\" is not an http:// or https:// address of a server")
                   .arg(shortText(text));
    return {};
  }
  url = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment |
                     QUrl::StripTrailingSlash);
  if (url.path().isEmpty() || url.path() == QLatin1String("/")) url.setPath(QStringLiteral("/v1"));
  return url;
}

RemoteClient::RemoteClient(QObject* parent)
    : QObject(parent), net_(new QNetworkAccessManager(this)) {}

RemoteClient::~RemoteClient() {
  if (reply_) {
    reply_->disconnect(this);
    reply_->abort();
  }
  if (list_) {
    list_->disconnect(this);
    list_->abort();
  }
}

QNetworkReply* RemoteClient::send(const RemoteEndpoint& e, const QString& path,
                                  const QByteArray& body) {
  QUrl url = e.baseUrl;
  url.setPath(url.path() + path);
  QNetworkRequest req(url);
  req.setRawHeader("Accept", body.isEmpty() ? "application/json" : "text/event-stream");
  if (!e.apiKey.isEmpty()) req.setRawHeader("Authorization", "Bearer " + e.apiKey.toUtf8());
  // the key goes nowhere else
  req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                   QNetworkRequest::SameOriginRedirectPolicy);
  if (body.isEmpty()) {
    req.setTransferTimeout(kListTimeoutMs);
    return net_->get(req);
  }
  req.setTransferTimeout(silenceMs_);
  req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
  return net_->post(req, body);
}

QString RemoteClient::describe(QNetworkReply* reply, const QByteArray& body) const {
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  const QString where = reply->url().adjusted(QUrl::RemovePath).toString();
  if (status == 0)
    return tr("Cannot reach the server at %1: %2. Check the address, and that the server is "
              "running and reachable from this computer.")
        .arg(where, reply->errorString());
  const QString said = shortText(errorMessageOf(body));
  if (status == 401 || status == 403)
    return tr("The server at %1 refused the API key (HTTP %2%3). Enter the right key on the "
              "Models page, Remote.")
        .arg(where)
        .arg(status)
        .arg(said.isEmpty() ? QString() : QStringLiteral(": ") + said);
  if (status == 404)
    return tr("The server at %1 has no %2 (HTTP 404%3). Is the address the API's base URL "
              "(often ending in /v1)?")
        .arg(where, reply->url().path(), said.isEmpty() ? QString() : QStringLiteral(": ") + said);
  return tr("The server at %1 answered HTTP %2: %3")
      .arg(where)
      .arg(status)
      .arg(said.isEmpty() ? shortText(QString::fromUtf8(body.left(300))) : said);
}

void RemoteClient::listModels(const RemoteEndpoint& endpoint) {
  if (list_) {
    list_->disconnect(this);
    list_->abort();
  }
  QNetworkReply* r = send(endpoint, QStringLiteral("/models"));
  list_ = r;
  connect(r, &QNetworkReply::readyRead, this, [r] {
    if (r->bytesAvailable() + r->size() > kMaxListBytes) r->abort();
  });
  connect(r, &QNetworkReply::finished, this, [this, r] {
    r->deleteLater();
    if (list_ == r) list_ = nullptr;
    const QByteArray body = r->readAll();
    if (r->error() != QNetworkReply::NoError) {
      emit modelsFailed(
          r->error() == QNetworkReply::OperationCanceledError &&
                  r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200
              ? tr("The server's list of models is larger than %1 MB").arg(kMaxListBytes >> 20)
              : describe(r, body));
      return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    const QJsonValue data = doc.object().value(QLatin1String("data"));
    if (pe.error != QJsonParseError::NoError || !data.isArray()) {
      emit modelsFailed(tr("The server at %1 did not answer with a list of models (is it an "
                           "OpenAI-compatible API?): %2")
                            .arg(r->url().adjusted(QUrl::RemovePath).toString(),
                                 shortText(QString::fromUtf8(body.left(300)))));
      return;
    }
    QStringList ids;
    for (const QJsonValue& m : data.toArray()) {
      const QString id = m.toObject().value(QLatin1String("id")).toString();
      if (!id.isEmpty() && !ids.contains(id)) ids << id;
    }
    if (ids.isEmpty())
      emit modelsFailed(tr("The server lists no models"));
    else
      emit modelsListed(ids);
  });
}

qint64 RemoteClient::generate(const RemoteEndpoint& endpoint, const RemoteRequest& request) {
  stop();
  QJsonArray messages;
  for (const ChatTurn& t : request.turns)
    messages.append(
        QJsonObject{{QLatin1String("role"), t.role}, {QLatin1String("content"), t.content}});
  const coil::SamplingParams& s = request.sampling;
  QJsonObject body{
      {QLatin1String("model"), request.model},
      {QLatin1String("messages"), messages},
      {QLatin1String("stream"), true},
      {QLatin1String("stream_options"), QJsonObject{{QLatin1String("include_usage"), true}}},
      {QLatin1String("temperature"), double(std::max(0.0f, s.temperature))}};
  if (request.maxTokens > 0) body[QLatin1String("max_tokens")] = request.maxTokens;
  if (s.top_p > 0 && s.top_p < 1) body[QLatin1String("top_p")] = double(s.top_p);
  // extensions that coil serve, vLLM and SGLang read (OpenAI's own API has no such fields)
  if (s.top_k > 0) body[QLatin1String("top_k")] = s.top_k;
  if (s.min_p > 0) body[QLatin1String("min_p")] = double(s.min_p);
  if (s.repetition_penalty > 0 && s.repetition_penalty != 1)
    body[QLatin1String("repetition_penalty")] = double(s.repetition_penalty);
  if (s.seed != 0) body[QLatin1String("seed")] = qint64(s.seed & 0x7fffffffffffffffull);

  a_ = {};
  a_.id = --nextId_;
  a_.conversationId = request.conversationId;
  a_.endpoint = endpoint.baseUrl.adjusted(QUrl::RemovePath).toString();
  a_.result.requestId = a_.id;
  a_.result.conversationId = request.conversationId;
  a_.result.seed = s.seed;
  a_.clock.start();
  QNetworkReply* r = send(endpoint, QStringLiteral("/chat/completions"),
                          QJsonDocument(body).toJson(QJsonDocument::Compact));
  reply_ = r;
  connect(r, &QNetworkReply::readyRead, this, &RemoteClient::onData);
  connect(r, &QNetworkReply::finished, this, &RemoteClient::onDone);
  return a_.id;
}

void RemoteClient::stop() {
  if (!reply_) return;
  a_.stopped = true;
  reply_->abort();  // finished (onDone) comes at once
}

void RemoteClient::onData() {
  QNetworkReply* r = reply_;
  if (!r || a_.done) return;
  const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (status != 200) {
    // an error's body: kept (bounded) for onDone
    if (a_.buffer.size() < 65536) a_.buffer += r->read(65536 - a_.buffer.size());
    r->readAll();
    return;
  }
  a_.buffer += r->readAll();
  a_.buffer.replace('\r', QByteArray());
  for (;;) {
    const qsizetype end = a_.buffer.indexOf("\n\n");
    if (end < 0) break;
    const QByteArray event = a_.buffer.left(end);
    a_.buffer.remove(0, end + 2);
    QByteArray data;
    for (const QByteArray& line : event.split('\n')) {
      if (!line.startsWith("data:")) continue;  // comments, event:, id:
      if (!data.isEmpty()) data += '\n';
      data += line.mid(line.startsWith("data: ") ? 6 : 5);
    }
    if (!data.isEmpty() && !onEvent(data)) {
      r->abort();  // the answer is over: onDone reports it
      return;
    }
  }
  if (a_.buffer.size() > kMaxEventBytes) {
    a_.error = tr("The server sent an event larger than %1 MB").arg(kMaxEventBytes >> 20);
    r->abort();
  }
}

bool RemoteClient::onEvent(const QByteArray& data) {
  if (data.trimmed() == "[DONE]") {
    a_.done = true;
    return false;
  }
  QJsonParseError pe;
  const QJsonObject o = QJsonDocument::fromJson(data, &pe).object();
  if (pe.error != QJsonParseError::NoError) {
    a_.error = tr("The server sent an event that is not JSON: %1")
                   .arg(shortText(QString::fromUtf8(data.left(300))));
    return false;
  }
  if (o.contains(QLatin1String("error"))) {
    const QString said = errorMessageOf(data);
    a_.error = tr("The server stopped the answer: %1")
                   .arg(said.isEmpty() ? shortText(QString::fromUtf8(data)) : shortText(said));
    return false;
  }
  const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
  if (!usage.isEmpty()) {
    a_.result.promptTokens = tokenCount(usage, "prompt_tokens");
    a_.result.completionTokens = tokenCount(usage, "completion_tokens");
  }
  const QJsonObject choice = o.value(QLatin1String("choices")).toArray().at(0).toObject();
  const QString piece =
      choice.value(QLatin1String("delta")).toObject().value(QLatin1String("content")).toString();
  if (!piece.isEmpty()) {
    a_.textBytes += piece.size() * 2;
    if (a_.textBytes > kMaxAnswerBytes) {
      a_.error = tr("The answer is longer than %1 MB").arg(kMaxAnswerBytes >> 20);
      return false;
    }
    if (a_.firstTokenMs < 0) a_.firstTokenMs = double(a_.clock.nsecsElapsed()) / 1e6;
    a_.result.text += piece;
    emit textGenerated(a_.id, piece);
  }
  const QString finish = choice.value(QLatin1String("finish_reason")).toString();
  if (!finish.isEmpty()) a_.result.finishReason = finish;
  return true;
}

void RemoteClient::onDone() {
  QNetworkReply* r = qobject_cast<QNetworkReply*>(sender());
  if (!r || r != reply_) return;
  r->deleteLater();
  reply_ = nullptr;
  const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  if (a_.stopped) return finish(QStringLiteral("cancelled"));
  if (!a_.error.isEmpty()) return fail(a_.error);
  if (a_.done || (!a_.result.finishReason.isEmpty() && r->error() == QNetworkReply::NoError))
    return finish(a_.result.finishReason.isEmpty() ? QStringLiteral("stop")
                                                   : a_.result.finishReason);
  if (status != 200) {
    a_.buffer += r->readAll();
    return fail(describe(r, a_.buffer));
  }
  if (r->error() == QNetworkReply::NoError && a_.result.text.isEmpty()) {
    // a server that ignored "stream": the whole answer as one chat.completion object
    const QJsonObject o = QJsonDocument::fromJson(a_.buffer).object();
    const QJsonObject choice = o.value(QLatin1String("choices")).toArray().at(0).toObject();
    const QJsonValue content =
        choice.value(QLatin1String("message")).toObject().value(QLatin1String("content"));
    if (content.isString()) {
      const QJsonObject usage = o.value(QLatin1String("usage")).toObject();
      a_.result.promptTokens = tokenCount(usage, "prompt_tokens");
      a_.result.completionTokens = tokenCount(usage, "completion_tokens");
      a_.result.text = content.toString();
      if (!a_.result.text.isEmpty()) emit textGenerated(a_.id, a_.result.text);
      const QString f = choice.value(QLatin1String("finish_reason")).toString();
      return finish(f.isEmpty() ? QStringLiteral("stop") : f);
    }
  }
  fail(tr("The connection to %1 was lost in the middle of the answer (%2). The text so far is "
          "kept.")
           .arg(a_.endpoint, r->error() == QNetworkReply::NoError ? tr("the stream ended early")
                                                                  : r->errorString()));
}

void RemoteClient::fail(QString reason) {  // by value: it may be a_.error
  const qint64 id = a_.id;
  a_ = {};
  emit generationFailed(id, reason);
}

void RemoteClient::finish(const QString& finishReason) {
  GenerationResult result = a_.result;
  result.finishReason = finishReason;
  const double totalMs = double(a_.clock.nsecsElapsed()) / 1e6;
  // Time to the first token is the server's prefill plus the network: not claimed as prefill.
  // The speed is the rate the tokens arrived at, when they came over long enough to tell
  // (a short answer may come in one burst).
  const double streamedMs = a_.firstTokenMs >= 0 ? totalMs - a_.firstTokenMs : 0;
  result.decodeMs = streamedMs >= kMinStreamMsForSpeed ? streamedMs : 0;
  a_ = {};
  emit generationFinished(result);
}

}  // namespace coil::app
