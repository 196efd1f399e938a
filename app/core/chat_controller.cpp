// ChatController: opening chats, branches, the sidebar's operations, copying.
#include "chat_controller.hpp"

#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLocale>

#include "active_model.hpp"
#include "answer_writer.hpp"
#include "banner_model.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "chat_title.hpp"
#include "conversation_list_model.hpp"
#include "format.hpp"
#include "inference_worker.hpp"
#include "message_list_model.hpp"
#include "model_name.hpp"
#include "pending_attachments.hpp"
#include "remote_controller.hpp"
#include "search_results_model.hpp"
#include "state_store.hpp"
#include "status_info.hpp"
#include "storage.hpp"
#include "worker_host.hpp"

namespace coil::app {

namespace {
constexpr int kDraftSaveMs = 1000;  // at most this much of a streaming answer is lost in a crash
constexpr char kInterrupted[] = "interrupted";  // the finish reason of a partial answer
constexpr qint64 kPrefillShownFrom = 512;       // prompt tokens: fewer are read in a moment
}  // namespace

ChatController::ChatController(const Parts& p, QObject* parent)
    : QObject(parent),
      storage_(p.storage),
      host_(p.host),
      model_(p.model),
      conversations_(p.conversations),
      messages_(p.messages),
      search_(p.search),
      status_(p.status),
      banners_(p.banners),
      settings_(new ChatSettings(&p.storage->chats(), this)),
      attachments_(new PendingAttachments(p.host, this)),
      remote_(p.remote),
      writer_(new AnswerWriter(p.storage->dataDir(), &p.storage->chats(), this)) {
  flushTimer_.setSingleShot(true);
  flushTimer_.setInterval(30);
  connect(&flushTimer_, &QTimer::timeout, this, &ChatController::flushText);
  draftTimer_.setInterval(kDraftSaveMs);
  connect(&draftTimer_, &QTimer::timeout, this, &ChatController::saveDraft);
  connect(writer_, &AnswerWriter::written, this, &ChatController::onAnswerWritten);
  connect(writer_, &AnswerWriter::failed, this,
          [this](qint64 requestId, const QString& reason, bool final) {
            storageFailed(std::runtime_error(reason.toStdString()));
            if (final) onAnswerWritten(requestId, 0, true);
          });
  InferenceWorker* w = host_->worker();
  connect(w, &InferenceWorker::textGenerated, this, &ChatController::onText);
  connect(w, &InferenceWorker::prefillProgress, this, &ChatController::onPrefill);
  connect(w, &InferenceWorker::generationFinished, this, &ChatController::onFinished);
  connect(w, &InferenceWorker::generationFailed, this, &ChatController::onFailed);
  connect(w, &InferenceWorker::prepared, this, &ChatController::onPrepared);
  connect(w, &InferenceWorker::stateSaved, this, &ChatController::onStateSaved);
  connect(w, &InferenceWorker::stateSaveFailed, this, &ChatController::onStateSaveFailed);
  connect(w, &InferenceWorker::readingProgress, this, &ChatController::onReadingProgress);
  connect(model_, &ActiveModel::modelChanged, this, &ChatController::onModelChanged);
  connect(model_, &ActiveModel::loadingChanged, this, &ChatController::canSendChanged);
  connect(model_, &ActiveModel::loadRequested, this, [this] { modelAskedBy_ = conversationId_; });
  connect(settings_, &ChatSettings::failed, this, [this](const QString& reason) {
    storageFailed(std::runtime_error(reason.toStdString()));
  });
  if (remote_) {
    // a remote answer comes in as the worker's do (its request ids are negative)
    RemoteClient* c = remote_->client();
    connect(c, &RemoteClient::textGenerated, this, &ChatController::onText);
    connect(c, &RemoteClient::generationFinished, this, &ChatController::onFinished);
    connect(c, &RemoteClient::generationFailed, this, &ChatController::onFailed);
    connect(remote_, &RemoteController::activeChanged, this, [this] {
      emit remoteChanged();
      emit canSendChanged();
    });
    connect(remote_, &RemoteController::chosen, this, &ChatController::onRemoteChosen);
    // Another local model picked while a remote one was in use: the chat goes local.
    connect(model_, &ActiveModel::loadingChanged, this, [this] {
      if (remote_->active() && model_->loading() && model_->loadingPath() != model_->path())
        remote_->deactivate();
    });
  }
  refreshConversations();
}

QString ChatController::title() const {
  return conversationId_ ? conversations_->titleOf(conversationId_) : tr("New chat");
}

bool ChatController::remote() const {
  return remote_ && remote_->active();
}

bool ChatController::canSend() const {
  if (remote())
    return !busy_ && !remote_->currentModel().isEmpty() && remote_->chatEndpointConfigured();
  return !busy_ && (model_->loaded() || model_->loading());
}

void ChatController::storageFailed(const std::exception& e) {
  const QString reason = QString::fromUtf8(e.what());
  const bool full = reason.contains(QLatin1String("full"), Qt::CaseInsensitive);
  banners_->show({full ? QStringLiteral("disk-full") : QStringLiteral("storage"),
                  BannerModel::Error,
                  full ? tr("The disk is full") : tr("The chat could not be saved"), reason,
                  full ? tr("Free some disk space, or lower the state budget in Settings. What "
                            "was already saved is safe.")
                       : tr("Check that the data folder (Settings) is writable.")});
}

void ChatController::refreshConversations() {
  try {
    conversations_->setConversations(storage_->chats().conversations());
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  conversations_->setCurrentId(conversationId_);
  emit titleChanged();
}

void ChatController::setConversation(qint64 id) {
  const bool changed = id != conversationId_;
  conversationId_ = id;
  conversations_->setCurrentId(id);
  attachments_->setConversation(id);  // the chips of the chat left wait for it
  if (changed) {
    emit conversationChanged();
    emit titleChanged();
  }
}

void ChatController::refreshMessages() {
  QList<MessageRow> rows;
  if (conversationId_ > 0) {
    try {
      const auto& chats = storage_->chats();
      for (const storage::Message& m : chats.activePath(conversationId_)) {
        if (m.role == QLatin1String("system")) continue;
        rows << MessageRow::from(m, chats.siblings(m.id));
      }
    } catch (const std::exception& e) {
      storageFailed(e);
    }
  }
  messages_->setMessages(rows);
}

void ChatController::refreshStateBytes() {
  if (conversationId_ <= 0) {
    status_->setStateBytes(-1);
    return;
  }
  try {
    status_->setStateBytes(storage_->states().bytesOfConversation(conversationId_));
  } catch (const std::exception&) {
    status_->setStateBytes(-1);
  }
}

QList<ChatTurn> ChatController::turnsTo(qint64 messageId) const {
  QList<ChatTurn> turns;
  if (!settings_->systemPrompt().trimmed().isEmpty())
    turns << ChatTurn{QStringLiteral("system"), settings_->systemPrompt()};
  if (messageId > 0)
    for (const storage::Message& m : storage_->chats().pathTo(messageId))
      turns << ChatTurn{m.role, storage::promptContent(m),
                        int(storage::documentBlocks(m.attachments).size())};
  return turns;
}

void ChatController::prepareWorker() {
  if (conversationId_ <= 0 || !model_->loaded() || busy_ || remote()) return;
  try {
    PrepareRequest r;
    r.conversationId = conversationId_;
    r.leafMessageId = messages_->lastMessageId();
    if (r.leafMessageId <= 0) return;
    r.turns = turnsTo(r.leafMessageId);
    host_->prepare(r);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
}

void ChatController::onPrepared(const ResumeReport& report) {
  if (report.conversationId != conversationId_ || busy_) return;
  status_->setPrepared(report, messages_->count() > 0);
  if (!report.discarded.isEmpty())
    banners_->show({QStringLiteral("state-discarded"), BannerModel::Info,
                    tr("A saved state of this chat could not be used"), report.discarded,
                    tr("Nothing is lost: the next answer re-reads the chat from its messages.")});
}

void ChatController::useChatModel() {
  // A chat remembers the model it was held with: it opens with that one. A model that is no
  // longer on this computer is named, and the chat goes on with the model in use.
  banners_->dismiss(QStringLiteral("chat-model"));
  if (conversationId_ <= 0) return;
  try {
    const auto c = storage_->chats().conversation(conversationId_);
    if (c && remote_) {
      // a remote chat answers from its endpoint; a local one from a local model
      if (!c->remoteUrl.isEmpty()) return remote_->activateChat(c->remoteUrl, c->modelId);
      remote_->deactivate();
    }
    if (!c || c->modelPath.isEmpty() || c->modelPath == model_->targetPath()) return;
    if (QFileInfo::exists(c->modelPath)) {
      model_->load(c->modelPath);
      return;
    }
    const QString name = c->modelId.isEmpty() ? QFileInfo(c->modelPath).fileName() : c->modelId;
    const QString repo = repoIdOfSnapshotPath(c->modelPath);
    banners_->show({QStringLiteral("chat-model"), BannerModel::Info,
                    tr("This chat was held with %1, which is no longer on this computer").arg(name),
                    model_->targetPath().isEmpty()
                        ? tr("Pick a model for it from the model chip above the chat.")
                        : tr("Its next answer is read with %1.")
                              .arg(model_->loading() ? model_->loadingName() : model_->title()),
                    repo.isEmpty()
                        ? tr("It was %1.").arg(QDir::toNativeSeparators(c->modelPath))
                        : tr("Download %1 again from Models to use it here.").arg(repo)});
  } catch (const std::exception& e) {
    storageFailed(e);
  }
}

void ChatController::rememberModel(qint64 id) {
  if (id <= 0 || !model_->loaded()) return;
  try {
    auto& chats = storage_->chats();
    const auto c = chats.conversation(id);
    if (!c) return;
    // (a remote chat picked a local model: it becomes local, with that model)
    if (c->remoteUrl.isEmpty() && c->modelPath == model_->path() && c->modelId == model_->name())
      return;
    chats.setModel(id, model_->name(), model_->path());
    if (id == conversationId_) banners_->dismiss(QStringLiteral("chat-model"));
  } catch (const std::exception& e) {
    storageFailed(e);
  }
}

void ChatController::onModelChanged() {
  emit canSendChanged();
  if (!model_->loaded()) return;
  attachments_->setPrefillSpeed(0, {});  // another model, another speed
  attachments_->recount();
  settings_->setModelDefaults(model_->info().sampling, model_->info().maxTokens);
  // the chat that asked for the model takes it (switcher, chat settings, opening it); a load
  // asked for elsewhere (a new chat, the app's start) changes no chat
  if (!remote()) rememberModel(modelAskedBy_);
  prepareWorker();
}

void ChatController::onRemoteChosen() {
  emit canSendChanged();
  if (conversationId_ <= 0 || busy_) return;
  try {
    storage_->chats().setRemoteModel(conversationId_, remote_->currentModel(),
                                     remote_->endpoint().baseUrl.toString());
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  status_->clearChat();
}

void ChatController::newChat() {
  if (busy_) stop();
  banners_->dismiss(QStringLiteral("chat-model"));
  setConversation(0);
  settings_->load(0);
  refreshMessages();
  status_->clearChat();
}

void ChatController::openChat(qint64 conversationId) {
  if (conversationId == conversationId_ && conversationId > 0) return;
  if (busy_) stop();
  setConversation(conversationId);
  settings_->load(conversationId);
  status_->clearChat();
  try {
    if (conversationId > 0) storage_->chats().markOpened(conversationId);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  refreshMessages();
  refreshStateBytes();
  useChatModel();
  prepareWorker();
}

void ChatController::openMessage(qint64 conversationId, qint64 messageId) {
  try {
    auto& chats = storage_->chats();
    const qint64 leaf = chats.newestLeafUnder(messageId);
    const auto active = chats.activePath(conversationId);
    const bool onPath = std::any_of(active.cbegin(), active.cend(),
                                    [&](const storage::Message& m) { return m.id == messageId; });
    if (!onPath && !busy_) chats.setActiveLeaf(conversationId, leaf);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  if (conversationId == conversationId_) {
    refreshMessages();
    prepareWorker();
  } else {
    openChat(conversationId);
  }
}

void ChatController::switchBranch(qint64 messageId, int delta) {
  if (busy_ || conversationId_ <= 0) return;
  try {
    storage_->chats().switchToSibling(messageId, delta);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  refreshMessages();
  prepareWorker();
}

void ChatController::copyText(const QString& text) {
  if (auto* clipboard = QGuiApplication::clipboard()) clipboard->setText(text);
  emit copied(text);
}

void ChatController::copyMessage(qint64 messageId) {
  copyText(messages_->contentOf(messageId));
}

void ChatController::copyLastAnswer() {
  const QString answer = messages_->lastAnswer();
  if (!answer.isEmpty()) copyText(answer);
}

void ChatController::renameChat(qint64 conversationId, const QString& title) {
  const QString t = title.simplified();
  if (t.isEmpty()) return;
  try {
    storage_->chats().rename(conversationId, t);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  refreshConversations();
  search_->refresh();
}

void ChatController::setPinned(qint64 conversationId, bool pinned) {
  try {
    storage_->chats().setPinned(conversationId, pinned);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  refreshConversations();
}

void ChatController::deleteChat(qint64 conversationId) {
  if (conversationId == conversationId_) {
    if (busy_) stop();
    newChat();
  }
  try {
    storage_->chats().deleteConversation(conversationId);
    attachments_->forgetConversation(conversationId);  // its id may be given out again
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  refreshConversations();
  search_->refresh();
}

}  // namespace coil::app

// ChatController: asking for answers, streaming them in, storing them and their states.
namespace coil::app {

namespace {

QString titleFrom(const QString& text) {
  return chatTitleFrom(text);
}

}  // namespace

void ChatController::setBusy(bool busy) {
  if (busy == busy_) return;
  busy_ = busy;
  emit busyChanged();
  emit canSendChanged();
}

qint64 ChatController::createConversation(const QString& firstMessage) {
  auto& chats = storage_->chats();
  const qint64 id = chats.createConversation(titleFrom(firstMessage));
  if (remote())
    chats.setRemoteModel(id, remote_->currentModel(), remote_->endpoint().baseUrl.toString());
  else if (model_->loaded())
    chats.setModel(id, model_->name(), model_->path());
  else if (model_->loading())
    chats.setModel(id, QString(), model_->loadingPath());
  if (model_->loading()) modelAskedBy_ = id;  // it takes the model once it has loaded
  settings_->saveTo(id);
  return id;
}

bool ChatController::send(const QString& text) {
  if (!canSend()) {
    if (!busy_ && remote() && !remote_->chatEndpointConfigured())
      banners_->show({QStringLiteral("no-model"), BannerModel::Error,
                      tr("This chat's server is not connected"),
                      tr("This chat was answered by %1, which is not the server set on the "
                         "Models page.")
                          .arg(remote_->chatUrl()),
                      tr("To go on with it, connect to that server on the Models page, "
                         "Remote.")});
    else if (!busy_ && remote())
      banners_->show({QStringLiteral("no-model"), BannerModel::Error,
                      tr("No remote model is picked"),
                      tr("This chat answers from a remote server, but no model of it is picked."),
                      tr("Pick one on the Models page, Remote.")});
    else if (!busy_ && !model_->loaded() && !model_->loading())
      banners_->show({QStringLiteral("no-model"), BannerModel::Error, tr("No model is loaded"),
                      tr("Coil needs a model to answer."),
                      tr("Choose a model folder in the chat settings (Model), or start Coil "
                         "with --model DIR.")});
    return false;
  }
  if (text.trimmed().isEmpty() || attachments_->busy()) return false;
  try {
    auto& chats = storage_->chats();
    qint64 parent = 0;
    if (conversationId_ <= 0) {
      const qint64 created = createConversation(text);
      attachments_->setConversation(created, /*carry=*/true);  // the new chat's chips
      setConversation(created);
    } else {
      parent = messages_->lastMessageId();
    }
    // The message and its attachments are stored together or not at all; the chips go only
    // once they are stored.
    const qint64 userId = chats.addMessage(conversationId_, parent, QStringLiteral("user"), text,
                                           {}, true, attachments_->ready());
    attachments_->clear();
    refreshConversations();
    refreshMessages();
    startAnswer(userId, Mode::Answer, 0);
  } catch (const std::exception& e) {
    storageFailed(e);
    return false;
  }
  return true;
}

void ChatController::regenerate(qint64 messageId) {
  if (!canSend() || conversationId_ <= 0) return;
  try {
    const auto m = storage_->chats().message(messageId);
    if (!m) return;
    if (m->role == QLatin1String("assistant")) {
      if (m->parentId <= 0) return;
      storage_->chats().setActiveLeaf(conversationId_, m->parentId);
      refreshMessages();
      startAnswer(m->parentId, Mode::Regenerate, messageId);
    } else {
      storage_->chats().setActiveLeaf(conversationId_, messageId);
      refreshMessages();
      startAnswer(messageId, Mode::Answer, 0);
    }
  } catch (const std::exception& e) {
    storageFailed(e);
  }
}

bool ChatController::editMessage(qint64 messageId, const QString& text) {
  if (!canSend() || conversationId_ <= 0 || text.trimmed().isEmpty()) return false;
  try {
    const auto m = storage_->chats().message(messageId);
    if (!m || m->role != QLatin1String("user")) return false;
    if (m->content == text) {
      regenerate(messageId);
      return true;
    }
    const qint64 edited = storage_->chats().editMessage(messageId, text);
    refreshMessages();
    startAnswer(edited, Mode::Answer, 0);
  } catch (const std::exception& e) {
    storageFailed(e);
    return false;
  }
  return true;
}

void ChatController::startAnswer(qint64 anchorId, Mode mode, qint64 replacesId,
                                 const QString& prefix) {
  GenerateRequest r;
  r.conversationId = conversationId_;
  r.anchorMessageId = mode == Mode::Continue ? replacesId : anchorId;
  r.turns = turnsTo(anchorId);
  if (mode == Mode::Continue) {
    r.turns << ChatTurn{QStringLiteral("assistant"), prefix};
    r.continueLast = true;
  }
  r.sampling = settings_->sampling();
  r.maxTokens = settings_->maxTokens();
  // A question about documents may start from the state right after them, saved when the
  // same documents were read for this message or a sibling (an edited question).
  const auto anchor = storage_->chats().message(anchorId);
  if (anchor && !anchor->attachments.isEmpty()) {
    r.documentMessageIds << anchorId;
    for (const storage::Message& m : storage_->chats().children(conversationId_, anchor->parentId))
      if (m.id != anchorId && m.attachments == anchor->attachments) r.documentMessageIds << m.id;
  }
  r.samplingOverrides = settings_->overrides();   // under the model's defaults when it runs
  if (!remote()) rememberModel(conversationId_);  // the model this chat is held with
  active_ = {};
  active_.conversationId = conversationId_;
  active_.anchorId = anchorId;
  active_.replacesId = replacesId;
  active_.mode = mode;
  active_.model = model_->name();
  active_.prefix = prefix;
  pendingText_.clear();
  setPrefill(0, 0);
  setReading(-1, {});
  messages_->beginStreaming();
  if (!prefix.isEmpty()) messages_->appendStreaming(prefix);
  setBusy(true);
  draftTimer_.start();
  if (remote()) {
    // the same turns (documents inside, as the model reads them) and the chat's sampling
    active_.model = remote_->currentModel();
    RemoteRequest rr;
    rr.conversationId = conversationId_;
    rr.model = active_.model;
    rr.turns = r.turns;
    rr.sampling = r.sampling;
    rr.maxTokens = r.maxTokens;
    active_.requestId = remote_->client()->generate(remote_->endpoint(), rr);
    return;
  }
  active_.requestId = host_->generate(r);
}

void ChatController::continueAnswer(qint64 messageId) {
  if (!canSend() || conversationId_ <= 0) return;
  if (remote()) {
    // OpenAI's chat API has no "go on writing this answer" (a new answer would start)
    banners_->show({QStringLiteral("remote-continue"), BannerModel::Info,
                    tr("Continue needs a local model"),
                    tr("A remote server can only write a new answer, not go on with this one."),
                    tr("Use Regenerate for a new answer, or pick a local model.")});
    return;
  }
  try {
    const auto m = storage_->chats().message(messageId);
    if (!m || m->role != QLatin1String("assistant") || m->parentId <= 0 || m->content.isEmpty())
      return;
    // the answer streams on in place of the stored one (shown from its text so far)
    storage_->chats().setActiveLeaf(conversationId_, m->parentId);
    refreshMessages();
    startAnswer(m->parentId, Mode::Continue, messageId, m->content);
  } catch (const std::exception& e) {
    storageFailed(e);
  }
}

AnswerWrite ChatController::answerWrite(const Active& a, bool final) const {
  AnswerWrite w;
  w.requestId = a.requestId;
  w.conversationId = a.conversationId;
  w.anchorId = a.anchorId;
  w.replacesId = a.replacesId;
  w.regenerate = a.mode == Mode::Regenerate;
  w.continuedId = a.mode == Mode::Continue ? a.replacesId : 0;
  w.content = a.prefix + a.text;
  w.meta.model = a.model;
  w.meta.sampling = settings_->toJson();
  // what it stays if Coil ends before the answer does (a crash, a kill, power off)
  w.meta.finishReason = QLatin1String(kInterrupted);
  w.final = final;
  w.nothingNew = a.text.isEmpty();
  return w;
}

void ChatController::saveDraft() {
  if (active_.requestId == 0 || active_.text.isEmpty()) return;
  if (active_.text.size() == active_.savedSize) return;
  writer_->write(answerWrite(active_, false));  // on the writer's thread
  active_.savedSize = active_.text.size();
}

void ChatController::onPrefill(qint64 requestId, qint64 done, qint64 total) {
  if (requestId != active_.requestId) return;
  if (done == 0 || !prefillClock_.isValid()) prefillClock_.start();
  // a prompt read in a moment (a new question) shows no progress
  const bool shown = done < total && total >= kPrefillShownFrom;
  const bool wasShown = prefillTotal_ > 0;
  setPrefill(shown ? done : 0, shown ? total : 0);
  if (shown)
    showReading(tr("the chat"), done, total, double(prefillClock_.elapsed()));
  else if (wasShown)
    setReading(-1, {});
}

void ChatController::setPrefill(qint64 done, qint64 total) {
  if (done == prefillDone_ && total == prefillTotal_) return;
  prefillDone_ = done;
  prefillTotal_ = total;
  emit prefillChanged();
}

void ChatController::stop() {
  if (!busy_) return;
  if (active_.requestId < 0 && remote_)
    remote_->client()->stop();
  else
    host_->stop();
}

void ChatController::stopForQuit() {
  if (!busy_ || active_.requestId == 0) return;
  host_->stop();
  flushTimer_.stop();
  draftTimer_.stop();
  // stored as an answer Stop ended (the worker's generationFinished will not come); the
  // writer finishes its writes before Coil ends
  AnswerWrite w = answerWrite(active_, true);
  w.meta.finishReason = QStringLiteral("cancelled");
  w.stopped = true;
  writer_->write(w);
  active_ = {};
  pendingText_.clear();
  messages_->endStreaming();
  setBusy(false);
}

void ChatController::onText(qint64 requestId, const QString& piece) {
  if (requestId != active_.requestId) return;
  active_.text += piece;
  if (active_.conversationId != conversationId_) return;
  pendingText_ += piece;
  if (!flushTimer_.isActive()) flushTimer_.start();
}

void ChatController::flushText() {
  messages_->appendStreaming(pendingText_);
  pendingText_.clear();
}

void ChatController::setReading(double progress, const QString& text) {
  if (progress == readingProgress_ && text == readingText_) return;
  readingProgress_ = progress;
  readingText_ = text;
  emit readingChanged();
}

void ChatController::showReading(const QString& what, qint64 done, qint64 total, double elapsedMs) {
  if (total <= 0) return;
  QString left;
  if (done > 0 && done < total)
    left =
        tr(", %1 left").arg(formatDuration(elapsedMs / 1000 * double(total - done) / double(done)));
  setReading(double(done) / double(total),
             tr("Reading %1: %2 of %3 tokens%4")
                 .arg(what, QLocale().toString(done), QLocale().toString(total), left));
}

void ChatController::onReadingProgress(qint64 requestId, qint64 done, qint64 total,
                                       double elapsedMs) {
  if (requestId != active_.requestId) return;
  showReading(tr("the document"), done, total, elapsedMs);
}

void ChatController::onFinished(const GenerationResult& result) {
  if (result.requestId != active_.requestId) return;
  setReading(-1, {});
  // The measured prefill speed gives the reading-time estimate of the next attachment.
  if (result.promptTokens >= 16 && result.prefillMs > 0)
    attachments_->setPrefillSpeed(result.prefillTokensPerS(), status_->backend());
  flushTimer_.stop();
  draftTimer_.stop();
  pendingText_.clear();
  setPrefill(0, 0);
  Active a = active_;
  a.text = result.text;
  active_ = {};
  AnswerWrite w = answerWrite(a, true);  // the answer as it ended
  // a remote answer's seed is known only when one was sent
  if (a.requestId > 0 || result.seed != 0) w.meta.seed = qint64(result.seed);
  w.meta.promptTokens = result.promptTokens;
  w.meta.completionTokens = result.completionTokens;
  w.meta.prefillTokensPerS = result.prefillTokensPerS();
  w.meta.decodeTokensPerS = result.decodeTokensPerS();
  w.meta.finishReason = result.finishReason;
  w.stopped = result.finishReason == QLatin1String("cancelled");
  ending_ = {a.requestId, a.conversationId, false, result, {}};
  writer_->write(w);  // onAnswerWritten goes on
}

void ChatController::onAnswerWritten(qint64 requestId, qint64 stored, bool final) {
  if (!final || requestId != ending_.requestId || requestId == 0) return;
  const Ending e = ending_;
  ending_ = {};
  messages_->endStreaming();
  setBusy(false);
  if (e.failed) {
    refreshMessages();
    if (e.requestId < 0)  // a remote answer
      banners_->show({QStringLiteral("generate"), BannerModel::Error,
                      tr("The remote server did not answer"), e.reason,
                      tr("What arrived is kept, marked interrupted. Check the server on the "
                         "Models page (Remote), then try again with Regenerate.")});
    else
      banners_->show({QStringLiteral("generate"), BannerModel::Error,
                      tr("The answer could not be generated"), e.reason,
                      model_->loaded()
                          ? tr("Try again with Regenerate. If it keeps failing, reload the model "
                               "or pick the CPU backend in Settings.")
                          : tr("Load a model first (chat settings, Model).")});
    emit answerFinished(0);
    return;
  }
  if (stored > 0 && e.result.stateReady) host_->saveState(e.requestId, stored);
  if (e.conversationId == conversationId_) {
    if (e.requestId < 0)
      status_->setRemoteGeneration(e.result, remote_->endpoint().baseUrl.host());
    else
      status_->setGeneration(e.result);
    refreshMessages();
  } else {
    prepareWorker();
  }
  refreshConversations();
  search_->refresh();
  emit answerFinished(stored);
}

void ChatController::onFailed(qint64 requestId, const QString& reason) {
  if (requestId != active_.requestId) return;
  setReading(-1, {});
  flushTimer_.stop();
  draftTimer_.stop();
  pendingText_.clear();
  setPrefill(0, 0);
  // what streamed in stays, marked interrupted (Retry, Continue)
  const AnswerWrite w = answerWrite(active_, true);
  ending_ = {active_.requestId, active_.conversationId, true, {}, reason};
  active_ = {};
  writer_->write(w);  // onAnswerWritten goes on
}

void ChatController::onStateSaved(qint64 conversationId, qint64, qint64, double) {
  banners_->dismiss(QStringLiteral("disk-full"));
  if (conversationId == conversationId_) refreshStateBytes();
}

void ChatController::onStateSaveFailed(qint64 conversationId, const QString& reason,
                                       bool diskFull) {
  banners_->show({diskFull ? QStringLiteral("disk-full") : QStringLiteral("state-save"),
                  diskFull ? BannerModel::Error : BannerModel::Warning,
                  diskFull ? tr("The disk is full: the chat's state was not saved")
                           : tr("The chat's state could not be saved"),
                  reason,
                  diskFull ? tr("The messages are saved; reopening this chat will re-read it "
                                "instead of resuming at once. Free some disk space, or lower the "
                                "state budget in Settings.")
                           : tr("The messages are saved; reopening this chat will re-read it "
                                "instead of resuming at once.")});
  if (conversationId == conversationId_) refreshStateBytes();
}

}  // namespace coil::app
