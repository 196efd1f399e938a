// The schema, one numbered migration per version (see migrations.hpp).
#include "migrations.hpp"

#include <array>

#include "database.hpp"
#include "storage_error.hpp"
#include "transaction.hpp"

namespace coil::storage {

namespace {

// v1: conversations and the message tree.
constexpr const char* kV1 = R"sql(
CREATE TABLE conversations (
  id             INTEGER PRIMARY KEY,
  title          TEXT    NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  active_leaf_id INTEGER
);
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id       INTEGER REFERENCES messages(id),
  role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content         TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
CREATE INDEX messages_by_parent ON messages(conversation_id, parent_id, id);
CREATE INDEX messages_parent ON messages(parent_id);
)sql";

// v2: per-chat settings, pinning, per-message generation metadata.
constexpr const char* kV2 = R"sql(
ALTER TABLE conversations ADD COLUMN pinned         INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_opened_at INTEGER;
ALTER TABLE conversations ADD COLUMN model_id       TEXT    NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN model_path     TEXT    NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN system_prompt  TEXT    NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN sampling_json  TEXT    NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN model             TEXT;
ALTER TABLE messages ADD COLUMN sampling_json     TEXT;
ALTER TABLE messages ADD COLUMN seed              INTEGER;
ALTER TABLE messages ADD COLUMN prompt_tokens     INTEGER;
ALTER TABLE messages ADD COLUMN completion_tokens INTEGER;
ALTER TABLE messages ADD COLUMN prefill_tps       REAL;
ALTER TABLE messages ADD COLUMN decode_tps        REAL;
ALTER TABLE messages ADD COLUMN finish_reason     TEXT;
CREATE INDEX conversations_order ON conversations(pinned DESC, updated_at DESC, id DESC);
)sql";

// v3: full-text search over message content (external-content FTS5, kept by triggers).
constexpr const char* kV3 = R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
)sql";

// v4: recurrent-state checkpoints and key/value settings (the disk budget).
constexpr const char* kV4 = R"sql(
CREATE TABLE state_checkpoints (
  id                INTEGER PRIMARY KEY,
  conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  message_id        INTEGER REFERENCES messages(id) ON DELETE CASCADE,
  file              TEXT    NOT NULL UNIQUE,
  bytes             INTEGER NOT NULL CHECK (bytes >= 0),
  token_count       INTEGER NOT NULL,
  token_hash        INTEGER NOT NULL,
  model_fingerprint INTEGER NOT NULL,
  is_latest         INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  last_used_at      INTEGER NOT NULL
);
CREATE INDEX state_by_conversation ON state_checkpoints(conversation_id, message_id);
CREATE INDEX state_by_message ON state_checkpoints(message_id);
CREATE UNIQUE INDEX state_one_latest ON state_checkpoints(conversation_id) WHERE is_latest = 1;
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// v5: the exact text each state covers, in its checkpoint row (written in the same
// statement, so a state and its text can never be separated). A BLOB: the UTF-8 bytes as the
// engine rendered them, kept byte for byte even when an answer was cut inside a character.
// NULL for a state saved without its text (never resumed from). The covered/*.txt files
// of earlier versions are imported by importLegacyCoveredTexts (Storage, at open).
constexpr const char* kV5 = R"sql(
ALTER TABLE state_checkpoints ADD COLUMN covered_text BLOB;
)sql";

// v6: files attached to messages, their extracted text kept with the message.
constexpr const char* kV6 = R"sql(
CREATE TABLE attachments (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  bytes       INTEGER NOT NULL CHECK (bytes >= 0),
  format      TEXT    NOT NULL DEFAULT '',
  token_count INTEGER NOT NULL DEFAULT 0,
  text        TEXT    NOT NULL,
  UNIQUE (message_id, position)
);
)sql";

// v7: a chat with a model served elsewhere (an OpenAI-compatible endpoint): its base URL.
// '' for a chat with a local model. The endpoint's API key is never stored here.
constexpr const char* kV7 = R"sql(
ALTER TABLE conversations ADD COLUMN remote_url TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::array<Migration, 7> kMigrations{{
    {1, "conversations and messages", kV1},
    {2, "chat settings and message metadata", kV2},
    {3, "full-text search", kV3},
    {4, "state checkpoints and settings", kV4},
    {5, "the text each state covers", kV5},
    {6, "attachments", kV6},
    {7, "remote chats", kV7},
}};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latestSchemaVersion() {
  return kMigrations.back().version;
}

void migrate(Database& db, int target) {
  if (target < 0) target = latestSchemaVersion();
  const int current = db.userVersion();
  if (current > latestSchemaVersion())
    throw StorageError(QStringLiteral("the database %1 has schema version %2, newer than this "
                                      "version of Coil understands (%3); update Coil")
                           .arg(db.path())
                           .arg(current)
                           .arg(latestSchemaVersion()),
                       StorageError::Kind::TooNew);
  for (const Migration& m : kMigrations) {
    if (m.version <= current || m.version > target) continue;
    try {
      Transaction tx(db);
      db.exec(m.sql);
      db.setUserVersion(m.version);
      tx.commit();
    } catch (const StorageError& e) {
      throw StorageError(QStringLiteral("schema migration to version %1 (%2) failed: %3")
                             .arg(m.version)
                             .arg(QString::fromUtf8(m.what), e.message()),
                         e.kind());
    }
  }
}

}  // namespace coil::storage
