// The fake state files of the crash test: [u64 body size][u64 FNV-1a of body][body], so
// the checker can tell a complete file from a partial or mixed one; and the covered text
// saved with each state, a function of its token count, so a row's text can be checked.
#pragma once
#include <QByteArray>
#include <QRandomGenerator>
#include <cstring>

namespace coil::storage::test {

inline quint64 fnv1a(const char* p, qsizetype n) {
  quint64 h = 1469598103934665603ull;
  for (qsizetype i = 0; i < n; ++i) h = (h ^ quint8(p[i])) * 1099511628211ull;
  return h;
}

inline QByteArray makePayload(QRandomGenerator& rng, qsizetype bodySize) {
  QByteArray out(16 + bodySize, Qt::Uninitialized);
  char* body = out.data() + 16;
  for (qsizetype i = 0; i < bodySize; ++i) body[i] = char(rng.generate() & 0xff);
  const quint64 size = quint64(bodySize), hash = fnv1a(body, bodySize);
  std::memcpy(out.data(), &size, 8);
  std::memcpy(out.data() + 8, &hash, 8);
  return out;
}

inline QByteArray coveredTextFor(qint64 tokenCount) {
  return QByteArray("covered text of turn ") + QByteArray::number(tokenCount) + ' ' +
         QByteArray(int(tokenCount % 7) * 1000, char('a' + tokenCount % 26));
}

inline bool payloadValid(const QByteArray& data) {
  if (data.size() < 16) return false;
  quint64 size = 0, hash = 0;
  std::memcpy(&size, data.constData(), 8);
  std::memcpy(&hash, data.constData() + 8, 8);
  return size == quint64(data.size() - 16) &&
         hash == fnv1a(data.constData() + 16, data.size() - 16);
}

}  // namespace coil::storage::test
