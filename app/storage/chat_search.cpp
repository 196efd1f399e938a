// ChatStore: full-text search (FTS5).
#include "chat_store.hpp"
#include "database.hpp"
#include "fts_query.hpp"

namespace coil::storage {

namespace {

// Private-use characters mark matches inside the snippet, so the text can be HTML-escaped
// afterwards without touching the markers.
const QString kOpen = QString(QChar(0xE000));
const QString kClose = QString(QChar(0xE001));

}  // namespace

QList<SearchHit> ChatStore::search(const QString& query, int limit) const {
  const QString match = ftsMatchExpression(query);
  if (match.isEmpty() || limit <= 0) return {};
  Statement st = db_.prepare(R"sql(
    SELECT m.conversation_id, m.id, c.title, m.role,
           snippet(messages_fts, 0, ?, ?, '…', 16)
    FROM messages_fts
    JOIN messages m ON m.id = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id
    WHERE messages_fts MATCH ?
    ORDER BY messages_fts.rank, m.id DESC
    LIMIT ?)sql");
  st.bindAll(kOpen, kClose, match, limit);
  QList<SearchHit> hits;
  while (st.step()) {
    SearchHit h;
    h.conversationId = st.int64(0);
    h.messageId = st.int64(1);
    h.conversationTitle = st.text(2);
    h.role = st.text(3);
    const QString raw = st.text(4);
    h.snippetText = QString(raw).remove(kOpen).remove(kClose);
    h.snippet = raw.toHtmlEscaped()
                    .replace(kOpen, QLatin1String("<b>"))
                    .replace(kClose, QLatin1String("</b>"));
    hits << h;
  }
  return hits;
}

}  // namespace coil::storage
