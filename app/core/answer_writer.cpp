#include "answer_writer.hpp"

#include <QDir>

#include "chat_store.hpp"
#include "database.hpp"
#include "storage.hpp"

namespace coil::app {

AnswerWriterWorker::AnswerWriterWorker(QString dataDir, storage::ChatStore* inMemory)
    : dataDir_(std::move(dataDir)), inMemory_(inMemory) {}

AnswerWriterWorker::~AnswerWriterWorker() = default;

storage::ChatStore& AnswerWriterWorker::store() {
  if (dataDir_.isEmpty()) return *inMemory_;
  if (!chats_) {
    db_ = std::make_unique<storage::Database>(
        QDir(dataDir_).filePath(QLatin1String(storage::Storage::kDatabaseFile)));
    chats_ = std::make_unique<storage::ChatStore>(*db_, dataDir_);
  }
  return *chats_;
}

void AnswerWriterWorker::write(const AnswerWrite& w) {
  try {
    emit written(w.requestId, store(w), w.final);
  } catch (const std::exception& e) {
    if (w.final) drafts_.remove(w.requestId);
    emit failed(w.requestId, QString::fromUtf8(e.what()), w.final);
  }
}

qint64 AnswerWriterWorker::store(const AnswerWrite& w) {
  storage::ChatStore& chats = store();
  qint64 id = w.continuedId > 0 ? w.continuedId : drafts_.value(w.requestId);
  if (w.final) drafts_.remove(w.requestId);
  if (!chats.conversation(w.conversationId)) return 0;  // the chat was deleted meanwhile
  const QString assistant = QStringLiteral("assistant");
  if (!w.final) {
    if (id > 0) {
      chats.updateMessage(id, w.content, w.meta);
    } else {
      // made the active leaf: after a crash the chat opens on it
      id = w.regenerate
               ? chats.regenerate(w.replacesId, w.content, w.meta)
               : chats.addMessage(w.conversationId, w.anchorId, assistant, w.content, w.meta);
      drafts_.insert(w.requestId, id);
    }
    return id;
  }
  if (id > 0) {
    // the message the partial answer was saved in (or the one continued) gets all of it
    storage::MessageMeta meta = w.meta;
    if (w.continuedId > 0 && w.nothingNew) {
      const auto old = chats.message(id);
      if (old) meta = old->meta;  // nothing new: it stays as it was...
      if (!w.stopped && old && w.meta.finishReason != QLatin1String("interrupted"))
        meta.finishReason = w.meta.finishReason;  // ...but for why it ended
    }
    chats.updateMessage(id, w.content, meta);
    chats.setActiveLeaf(w.conversationId, id);
    return id;
  }
  if (!w.nothingNew)
    return w.regenerate
               ? chats.regenerate(w.replacesId, w.content, w.meta)
               : chats.addMessage(w.conversationId, w.anchorId, assistant, w.content, w.meta);
  // nothing at all (stopped before the first token): back to the answer it would replace
  if (w.regenerate) chats.setActiveLeaf(w.conversationId, chats.newestLeafUnder(w.replacesId));
  return 0;
}

AnswerWriter::AnswerWriter(const QString& dataDir, storage::ChatStore* inMemory, QObject* parent)
    : QObject(parent), worker_(new AnswerWriterWorker(dataDir, inMemory)) {
  qRegisterMetaType<AnswerWrite>();
  connect(worker_, &AnswerWriterWorker::written, this, &AnswerWriter::written,
          Qt::QueuedConnection);
  connect(worker_, &AnswerWriterWorker::failed, this, &AnswerWriter::failed, Qt::QueuedConnection);
  if (!dataDir.isEmpty()) {
    thread_.setObjectName(QStringLiteral("coil-answer-writer"));
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
  }
}

AnswerWriter::~AnswerWriter() {
  worker_->disconnect(this);
  if (thread_.isRunning()) {
    // after the writes queued before it
    QMetaObject::invokeMethod(
        worker_, [] { QThread::currentThread()->quit(); }, Qt::QueuedConnection);
    thread_.wait();
  } else {
    delete worker_;
  }
}

void AnswerWriter::write(const AnswerWrite& w) {
  ++queued_;
  QMetaObject::invokeMethod(
      worker_,
      [worker = worker_, w, queued = &queued_] {
        worker->write(w);
        --*queued;
      },
      Qt::QueuedConnection);
}

QThread* AnswerWriter::writerThread() const {
  return worker_->thread();
}

}  // namespace coil::app
