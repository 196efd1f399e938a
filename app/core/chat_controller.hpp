// The open chat: sending, streaming the answer in, stop, regenerate (a sibling answer),
// edit (a sibling question), branch navigation, and the sidebar's rename / pin / delete.
// After every completed answer the worker saves the chat's recurrent state; opening a chat
// or switching a branch asks the worker to restore the nearest saved state.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include "chat_types.hpp"
#include "worker_types.hpp"

namespace coil::storage {
class Storage;
}

namespace coil::app {

class WorkerHost;
class ActiveModel;
class ConversationListModel;
class MessageListModel;
class SearchResultsModel;
class ChatSettings;
class StatusInfo;
class BannerModel;
class PendingAttachments;
class AnswerWriter;
struct AnswerWrite;
class RemoteController;

class ChatController : public QObject {
  Q_OBJECT
  Q_MOC_INCLUDE("chat_settings.hpp")
  Q_MOC_INCLUDE("pending_attachments.hpp")
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.chat")
  Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)
  Q_PROPERTY(QString title READ title NOTIFY titleChanged)
  Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
  Q_PROPERTY(bool canSend READ canSend NOTIFY canSendChanged)
  Q_PROPERTY(coil::app::ChatSettings* settings READ settings CONSTANT)
  // The files attached in the composer (chips), sent with the next message.
  Q_PROPERTY(coil::app::PendingAttachments* attachments READ attachments CONSTANT)
  // The one reading display (ui/ReadingProgress.qml), for attached documents and for a long
  // prompt (a chat re-read without its saved state): 0..1 (-1: nothing is being read) and in
  // words, "Reading the document: 3,072 of 12,000 tokens, about 3 s left".
  Q_PROPERTY(double readingProgress READ readingProgress NOTIFY readingChanged)
  Q_PROPERTY(QString readingText READ readingText NOTIFY readingChanged)
  // While a long prompt is read: the tokens read so far of the total; both 0 otherwise.
  Q_PROPERTY(qint64 prefillDone READ prefillDone NOTIFY prefillChanged)
  Q_PROPERTY(qint64 prefillTotal READ prefillTotal NOTIFY prefillChanged)
  // The open chat (or the next new one) answers from a remote model (App.remote).
  Q_PROPERTY(bool remote READ remote NOTIFY remoteChanged)

 public:
  struct Parts {
    storage::Storage* storage;
    WorkerHost* host;
    ActiveModel* model;
    ConversationListModel* conversations;
    MessageListModel* messages;
    SearchResultsModel* search;
    StatusInfo* status;
    BannerModel* banners;
    RemoteController* remote = nullptr;  // nullptr: local models only
  };
  explicit ChatController(const Parts& parts, QObject* parent = nullptr);

  qint64 conversationId() const { return conversationId_; }
  QString title() const;
  bool busy() const { return busy_; }
  bool canSend() const;
  ChatSettings* settings() const { return settings_; }
  PendingAttachments* attachments() const { return attachments_; }
  double readingProgress() const { return readingProgress_; }
  QString readingText() const { return readingText_; }
  qint64 prefillDone() const { return prefillDone_; }
  qint64 prefillTotal() const { return prefillTotal_; }
  bool remote() const;

  Q_INVOKABLE void newChat();
  Q_INVOKABLE void openChat(qint64 conversationId);
  // Opens the chat of a search hit on the branch that holds the message.
  Q_INVOKABLE void openMessage(qint64 conversationId, qint64 messageId);
  // Returns false (and sends nothing) when busy, the text is blank, there is no model or an
  // attachment is still being read. The ready attachments go with the message.
  Q_INVOKABLE bool send(const QString& text);
  Q_INVOKABLE void stop();
  // Coil is closing while an answer streams: the answer is stopped and what streamed in is
  // kept as a stopped answer (Continue), as if Stop had been pressed. Not "interrupted":
  // that is what an answer stays after a crash.
  void stopForQuit();
  // A new answer beside an assistant message (or an answer to a user message without one:
  // the Retry of a question left unanswered).
  Q_INVOKABLE void regenerate(qint64 messageId);
  // Goes on writing an answer that was cut off (interrupted by a crash, stopped, or at its
  // length limit): the new text is added to the same message.
  Q_INVOKABLE void continueAnswer(qint64 messageId);
  // A new question beside a user message, then its answer.
  Q_INVOKABLE bool editMessage(qint64 messageId, const QString& text);
  Q_INVOKABLE void switchBranch(qint64 messageId, int delta);
  Q_INVOKABLE void copyMessage(qint64 messageId);
  Q_INVOKABLE void copyLastAnswer();
  Q_INVOKABLE void copyText(const QString& text);
  Q_INVOKABLE void renameChat(qint64 conversationId, const QString& title);
  Q_INVOKABLE void setPinned(qint64 conversationId, bool pinned);
  Q_INVOKABLE void deleteChat(qint64 conversationId);

  void refreshConversations();

 signals:
  void conversationChanged();
  void titleChanged();
  void busyChanged();
  void canSendChanged();
  void prefillChanged();
  // The answer of the last request is stored (0 when nothing was produced).
  void answerFinished(qint64 messageId);
  void copied(const QString& what);
  void readingChanged();
  void remoteChanged();

 private:
  enum class Mode { Answer, Regenerate, Continue };
  struct Active {
    qint64 requestId = 0;
    qint64 conversationId = 0;
    qint64 anchorId = 0;    // the message the answer follows
    qint64 replacesId = 0;  // Regenerate: the answer it is a sibling of
    Mode mode = Mode::Answer;
    QString model;
    QString prefix;         // Continue: the text the answer already had
    QString text;           // what has streamed in so far (after prefix)
    qint64 savedSize = -1;  // text.size() when it was last saved
  };

  // An answer that ended, until the writer has stored it.
  struct Ending {
    qint64 requestId = 0;
    qint64 conversationId = 0;
    bool failed = false;
    GenerationResult result;
    QString reason;  // failed: why
  };

  void startAnswer(qint64 anchorId, Mode mode, qint64 replacesId, const QString& prefix = {});
  // The write of answer `a` as it is now (a draft, or final).
  AnswerWrite answerWrite(const Active& a, bool final) const;
  void onAnswerWritten(qint64 requestId, qint64 stored, bool final);
  void onText(qint64 requestId, const QString& piece);
  void onPrefill(qint64 requestId, qint64 done, qint64 total);
  void setPrefill(qint64 done, qint64 total);
  // Saves the partial answer (a message marked "interrupted" until it finishes).
  // Saves what streamed in so far (on the writer's thread), marked "interrupted".
  void saveDraft();
  void onFinished(const GenerationResult& result);
  void onFailed(qint64 requestId, const QString& reason);
  void onPrepared(const ResumeReport& report);
  void onStateSaved(qint64 conversationId, qint64 messageId, qint64 bytes, double ms);
  void onStateSaveFailed(qint64 conversationId, const QString& reason, bool diskFull);
  void onModelChanged();
  // The Models page picked a remote model: the open chat answers from it from now on.
  void onRemoteChosen();
  void onReadingProgress(qint64 requestId, qint64 done, qint64 total, double elapsedMs);
  void setReading(double progress, const QString& text);
  // setReading for `what` ("document", "chat"): done of total tokens after elapsedMs.
  void showReading(const QString& what, qint64 done, qint64 total, double elapsedMs);
  void flushText();
  void setBusy(bool busy);
  void setConversation(qint64 id);
  void refreshMessages();
  void refreshStateBytes();
  void prepareWorker();
  void useChatModel();
  // Records the model in use as chat `id`'s model (the one it opens with next time).
  void rememberModel(qint64 id);
  QList<ChatTurn> turnsTo(qint64 messageId) const;
  qint64 createConversation(const QString& firstMessage);
  void storageFailed(const std::exception& e);

  storage::Storage* storage_;
  WorkerHost* host_;
  ActiveModel* model_;
  ConversationListModel* conversations_;
  MessageListModel* messages_;
  SearchResultsModel* search_;
  StatusInfo* status_;
  BannerModel* banners_;
  ChatSettings* settings_;
  PendingAttachments* attachments_;
  RemoteController* remote_;

  qint64 conversationId_ = 0;
  // The chat that was open when the model now loading (or last loaded) was asked for: only
  // that chat takes it as its model (a load another chat started does not overwrite it).
  qint64 modelAskedBy_ = -1;
  bool busy_ = false;
  Active active_;
  Ending ending_;
  AnswerWriter* writer_ = nullptr;
  QString pendingText_;
  QTimer flushTimer_;
  double readingProgress_ = -1;
  QString readingText_;
  QTimer draftTimer_;  // saves the partial answer about once a second
  qint64 prefillDone_ = 0;
  qint64 prefillTotal_ = 0;
  QElapsedTimer prefillClock_;
};

}  // namespace coil::app
