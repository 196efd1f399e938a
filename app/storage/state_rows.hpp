// Internal: the state_checkpoints column list and row reader.
#pragma once
#include "state_types.hpp"
#include "statement.hpp"

namespace coil::storage::rows {

inline constexpr const char* kCheckpointColumns =
    "s.id, s.conversation_id, s.message_id, s.file, s.bytes, s.token_count, s.token_hash, "
    "s.model_fingerprint, s.is_latest, s.created_at, s.last_used_at";

inline Checkpoint readCheckpoint(const Statement& st) {
  Checkpoint c;
  c.id = st.int64(0);
  c.conversationId = st.int64(1);
  c.messageId = st.optInt64(2).value_or(0);
  c.file = st.text(3);
  c.bytes = st.int64(4);
  c.tokenCount = st.int64(5);
  c.tokenHash = quint64(st.int64(6));
  c.modelFingerprint = quint64(st.int64(7));
  c.isLatest = st.int64(8) != 0;
  c.createdAt = st.int64(9);
  c.lastUsedAt = st.int64(10);
  return c;
}

}  // namespace coil::storage::rows
