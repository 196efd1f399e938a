// AnswerWriter: an answer's writes to the database, off the GUI thread. While an answer
// streams its text so far is saved about once a second (a crash loses at most that much);
// when it ends it is stored as it ended. Each write rewrites the whole message (and its
// full-text index): on a thread of its own with its own SQLite connection, so the window
// never waits on the disk. Writes are done in the order they were asked for; written()
// (queued to the GUI thread) says which message each went to.
// Without a data folder (an in-memory store, tests) the writes go to that store on the
// GUI thread, still answered through written() from the event loop.
#pragma once
#include <QHash>
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <memory>

#include "chat_types.hpp"

namespace coil::storage {
class ChatStore;
class Database;
}  // namespace coil::storage

namespace coil::app {

// One write of an answer: a draft while it streams, or the answer as it ended (final).
struct AnswerWrite {
  qint64 requestId = 0;
  qint64 conversationId = 0;
  qint64 anchorId = 0;    // the message the answer follows
  qint64 replacesId = 0;  // Regenerate: the answer it is a sibling of
  bool regenerate = false;
  qint64 continuedId = 0;  // Continue: the stored message that streams on
  QString content;         // the whole text so far (a Continue's earlier text included)
  storage::MessageMeta meta;
  bool final = false;       // the answer ended: its message is made the active leaf
  bool nothingNew = false;  // final, and nothing streamed in
  bool stopped = false;     // final, ended by Stop: a Continue's finish reason stays
};

// Runs on the writer's thread (or the GUI thread without a data folder).
class AnswerWriterWorker : public QObject {
  Q_OBJECT

 public:
  AnswerWriterWorker(QString dataDir, storage::ChatStore* inMemory);
  ~AnswerWriterWorker() override;
  void write(const coil::app::AnswerWrite& w);

 signals:
  void written(qint64 requestId, qint64 messageId, bool final);
  void failed(qint64 requestId, const QString& reason, bool final);

 private:
  storage::ChatStore& store();
  qint64 store(const AnswerWrite& w);

  QString dataDir_;
  storage::ChatStore* inMemory_ = nullptr;
  std::unique_ptr<storage::Database> db_;  // opened on the writer's thread
  std::unique_ptr<storage::ChatStore> chats_;
  QHash<qint64, qint64> drafts_;  // request id -> the message its draft went to
};

class AnswerWriter : public QObject {
  Q_OBJECT

 public:
  AnswerWriter(const QString& dataDir, storage::ChatStore* inMemory, QObject* parent = nullptr);
  // What was asked for is written first.
  ~AnswerWriter() override;
  void write(const AnswerWrite& w);
  // The thread the writes run on (the GUI thread without a data folder).
  QThread* writerThread() const;
  // Writes asked for and not yet done.
  int queued() const { return queued_.load(); }

 signals:
  void written(qint64 requestId, qint64 messageId, bool final);
  void failed(qint64 requestId, const QString& reason, bool final);

 private:
  QThread thread_;
  AnswerWriterWorker* worker_ = nullptr;
  std::atomic<int> queued_{0};
};

}  // namespace coil::app

Q_DECLARE_METATYPE(coil::app::AnswerWrite)
