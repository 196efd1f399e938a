// Downloads that survive an app restart: a queue of snapshot downloads, one running at a
// time, saved to <stateDir>/downloads.json on every change. A download that was running when
// the app quit (or crashed) is queued again on load and resumes from its partial file.
#pragma once
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

#include "snapshot_downloader.hpp"

namespace coil::hub {

class HubClient;

class DownloadQueue : public QObject {
  Q_OBJECT
 public:
  enum class Status { Queued, Downloading, Paused, Finished, Failed };
  Q_ENUM(Status)

  struct Entry {
    QString id;  // stable across restarts
    QString repoId;
    QString revision;
    QStringList include;
    Status status = Status::Queued;
    QString error;         // for Failed
    QString snapshotPath;  // for Finished
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
  };

  // Loads <stateDir>/downloads.json if it exists. Nothing starts before start().
  DownloadQueue(HubClient* client, QString stateDir, QObject* parent = nullptr);
  ~DownloadQueue() override;  // stops the running download (it resumes on the next load)

  QString stateFile() const;
  QList<Entry> entries() const { return entries_; }
  std::optional<Entry> entry(const QString& id) const;

  // Runs queued entries, one at a time, now and whenever one is added or resumed.
  void start();
  QString enqueue(const QString& repoId, const QString& revision = QStringLiteral("main"),
                  const QStringList& include = {});
  void pause(const QString& id);
  void resume(const QString& id);  // Paused or Failed -> Queued
  void cancel(const QString& id);  // stops, deletes the partial, removes the entry
  void remove(const QString& id);  // forgets a Finished / Failed / Paused entry

 signals:
  void entryAdded(const QString& id);
  void entryChanged(const QString& id);
  void entryRemoved(const QString& id);
  void progress(const QString& id, qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond);
  // Re-hashing the part of a file that an earlier run left, before the download resumes.
  void checking(const QString& id, qint64 bytesDone, qint64 bytesTotal);
  void finished(const QString& id, const QString& snapshotPath);
  void failed(const QString& id, const QString& message);

 private:
  int indexOf(const QString& id) const;
  void load();
  void save();
  void schedule();
  void runNext();
  void stopActive(bool cancel);
  void update(const QString& id, const std::function<void(Entry&)>& change);

  HubClient* client_;
  QString stateDir_;
  QList<Entry> entries_;
  bool started_ = false;
  QString activeId_;
  QPointer<SnapshotDownloader> active_;
  qint64 lastSaveMs_ = 0;
};

}  // namespace coil::hub
