// Value types of the state-checkpoint store.
#pragma once
#include <QByteArray>
#include <QString>
#include <QtGlobal>
#include <optional>

namespace coil::storage {

// One saved recurrent state: the engine's .coilstate file plus what the app needs to know
// about it without opening it.
struct Checkpoint {
  qint64 id = 0;
  qint64 conversationId = 0;
  qint64 messageId = 0;  // the state follows this message; 0: before the first message
  QString file;          // relative to the data folder, e.g. "states/c3-m17-9f2c....coilstate"
  qint64 bytes = 0;
  qint64 tokenCount = 0;
  quint64 tokenHash = 0;
  quint64 modelFingerprint = 0;
  bool isLatest = false;  // the state the chat resumes from when reopened
  qint64 createdAt = 0;
  qint64 lastUsedAt = 0;

  bool operator==(const Checkpoint&) const = default;
};

// What StateStore::save needs to know about the bytes it is given.
struct StateInfo {
  qint64 conversationId = 0;
  qint64 messageId = 0;  // 0: state before any message (e.g. the system prompt only)
  qint64 tokenCount = 0;
  quint64 tokenHash = 0;
  quint64 modelFingerprint = 0;
  bool makeLatest = true;
  // The exact text (UTF-8 bytes) the state covers, stored in the same row; without it the
  // state cannot be resumed from (the app needs the text to know what the state holds).
  std::optional<QByteArray> coveredText;
};

// A checkpoint's contents: the state file's bytes and the text stored with its row.
struct StoredState {
  QByteArray bytes;
  std::optional<QByteArray> coveredText;  // nullopt: saved without it
};

struct StateUsage {
  qint64 budgetBytes = 0;
  qint64 totalBytes = 0;       // latest + checkpoints
  qint64 latestBytes = 0;      // never evicted, may exceed the budget on their own
  qint64 checkpointBytes = 0;  // evictable
  int latestCount = 0;
  int checkpointCount = 0;
};

struct OrphanReport {
  int rowsRemoved = 0;   // rows whose file was missing or of the wrong size
  int filesRemoved = 0;  // files (and temporaries) no row points to
};

}  // namespace coil::storage
