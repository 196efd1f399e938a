// ChatController: asking for answers, streaming them in, storing them and their states.
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "chat_settings.hpp"
#include "chat_store.hpp"
#include "conversation_list_model.hpp"
#include "message_list_model.hpp"
#include "model_controller.hpp"
#include "search_results_model.hpp"
#include "status_info.hpp"
#include "storage.hpp"
#include "worker_host.hpp"

namespace coil::app {

namespace {

QString titleFrom(const QString& text) {
  const QString line = text.simplified();
  if (line.size() <= 48) return line;
  const int cut = int(line.lastIndexOf(QLatin1Char(' '), 48));
  return line.left(cut > 24 ? cut : 48) + QChar(0x2026);
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
  if (model_->loaded())
    chats.setModel(id, model_->name(), model_->path());
  else if (model_->loading())
    chats.setModel(id, QString(), model_->loadingPath());
  settings_->saveTo(id);
  return id;
}

bool ChatController::send(const QString& text) {
  if (!canSend()) {
    if (!busy_ && !model_->loaded() && !model_->loading())
      banners_->show({QStringLiteral("no-model"), QStringLiteral("error"), tr("No model is loaded"),
                      tr("Coil needs a model to answer."),
                      tr("Choose a model folder in the chat settings (Model), or start Coil "
                         "with --model DIR.")});
    return false;
  }
  if (text.trimmed().isEmpty()) return false;
  try {
    auto& chats = storage_->chats();
    qint64 parent = 0;
    if (conversationId_ <= 0) {
      setConversation(createConversation(text));
    } else {
      parent = messages_->lastMessageId();
    }
    const qint64 userId = chats.addMessage(conversationId_, parent, QStringLiteral("user"), text);
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

void ChatController::startAnswer(qint64 anchorId, Mode mode, qint64 replacesId) {
  GenerateRequest r;
  r.conversationId = conversationId_;
  r.anchorMessageId = anchorId;
  r.turns = turnsTo(anchorId);
  r.sampling = settings_->sampling();
  r.maxTokens = settings_->maxTokens();
  active_ = {};
  active_.conversationId = conversationId_;
  active_.anchorId = anchorId;
  active_.replacesId = replacesId;
  active_.mode = mode;
  active_.model = model_->name();
  pendingText_.clear();
  messages_->beginStreaming();
  setBusy(true);
  active_.requestId = host_->generate(r);
}

void ChatController::stop() {
  if (busy_) host_->stop();
}

void ChatController::onText(qint64 requestId, const QString& piece) {
  if (requestId != active_.requestId || active_.conversationId != conversationId_) return;
  pendingText_ += piece;
  if (!flushTimer_.isActive()) flushTimer_.start();
}

void ChatController::flushText() {
  messages_->appendStreaming(pendingText_);
  pendingText_.clear();
}

void ChatController::onFinished(const GenerationResult& result) {
  if (result.requestId != active_.requestId) return;
  flushTimer_.stop();
  pendingText_.clear();
  const Active a = active_;
  active_ = {};
  qint64 stored = 0;
  try {
    auto& chats = storage_->chats();
    if (!result.text.isEmpty() && chats.conversation(a.conversationId)) {
      storage::MessageMeta meta;
      meta.model = a.model;
      meta.sampling = settings_->toJson();
      meta.seed = qint64(result.seed);
      meta.promptTokens = result.promptTokens;
      meta.completionTokens = result.completionTokens;
      meta.prefillTokensPerS = result.prefillTokensPerS();
      meta.decodeTokensPerS = result.decodeTokensPerS();
      meta.finishReason = result.finishReason;
      stored = a.mode == Mode::Regenerate
                   ? chats.regenerate(a.replacesId, result.text, meta)
                   : chats.addMessage(a.conversationId, a.anchorId, QStringLiteral("assistant"),
                                      result.text, meta);
    } else if (a.mode == Mode::Regenerate && chats.conversation(a.conversationId)) {
      // nothing new (stopped before the first token): back to the answer it would replace
      chats.setActiveLeaf(a.conversationId, chats.newestLeafUnder(a.replacesId));
    }
  } catch (const std::exception& e) {
    storageFailed(e);
  }
  if (stored > 0 && result.stateReady) host_->saveState(result.requestId, stored);
  messages_->endStreaming();
  setBusy(false);
  if (a.conversationId == conversationId_) {
    status_->setGeneration(result);
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
  flushTimer_.stop();
  pendingText_.clear();
  active_ = {};
  messages_->endStreaming();
  setBusy(false);
  refreshMessages();
  banners_->show({QStringLiteral("generate"), QStringLiteral("error"),
                  tr("The answer could not be generated"), reason,
                  model_->loaded() ? tr("Try again with Regenerate. If it keeps failing, reload "
                                        "the model or pick the CPU backend in Settings.")
                                   : tr("Load a model first (chat settings, Model).")});
  emit answerFinished(0);
}

void ChatController::onStateSaved(qint64 conversationId, qint64, qint64, double) {
  banners_->dismiss(QStringLiteral("disk-full"));
  if (conversationId == conversationId_) refreshStateBytes();
}

void ChatController::onStateSaveFailed(qint64 conversationId, const QString& reason,
                                       bool diskFull) {
  banners_->show({diskFull ? QStringLiteral("disk-full") : QStringLiteral("state-save"),
                  diskFull ? QStringLiteral("error") : QStringLiteral("warning"),
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
