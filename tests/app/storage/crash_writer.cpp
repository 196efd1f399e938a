// Helper of tst_crash_safety: writes chats and state files into a data folder forever,
// the way the app does, until it is killed. After each call returns (so after its commit)
// it prints one line and flushes:
//   M <conversation> <message>   a message was committed
//   S <conversation> <checkpoint> a state was saved (file + row)
//   X <conversation>              about to delete a conversation
//   D <conversation>              the conversation is deleted
// Usage: storage_crash_writer DATA_DIR SEED
#include <QCoreApplication>
#include <QRandomGenerator>
#include <cstdio>

#include "crash_payload.hpp"
#include "storage.hpp"

using namespace coil::storage;

namespace {

void report(const char* fmt, qint64 a, qint64 b = 0) {
  std::printf(fmt, static_cast<long long>(a), static_cast<long long>(b));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: storage_crash_writer DATA_DIR SEED\n");
    return 2;
  }
  QRandomGenerator rng(quint32(QByteArray(argv[2]).toUInt()));
  try {
    Storage storage(QString::fromLocal8Bit(argv[1]));
    ChatStore& chats = storage.chats();
    StateStore& states = storage.states();
    states.setBudgetBytes(3 << 20);  // small, so that eviction runs all the time
    QList<qint64> live;
    for (const Conversation& c : chats.conversations()) live << c.id;
    std::printf("ready\n");
    std::fflush(stdout);
    for (int turn = 0;; ++turn) {
      if (live.isEmpty() || rng.bounded(6) == 0) {
        const qint64 id = chats.createConversation(QStringLiteral("chat %1").arg(turn));
        live << id;
      }
      if (live.size() > 4 && rng.bounded(5) == 0) {
        const qint64 victim = live.takeAt(rng.bounded(int(live.size() - 1)));
        report("X %lld\n", victim);
        chats.deleteConversation(victim);
        report("D %lld\n", victim);
      }
      const qint64 conv = live.at(rng.bounded(int(live.size())));
      const QList<Message> path = chats.activePath(conv);
      qint64 parent = path.isEmpty() ? 0 : path.last().id;
      if (!path.isEmpty() && path.last().role == QLatin1String("assistant") && rng.bounded(4) == 0)
        parent = path.last().parentId;  // regenerate: a sibling answer
      else {
        const qint64 user = chats.addMessage(conv, parent, QStringLiteral("user"),
                                             QStringLiteral("question %1 about mambas").arg(turn));
        report("M %lld %lld\n", conv, user);
        parent = user;
      }
      MessageMeta meta;
      meta.seed = turn;
      meta.completionTokens = rng.bounded(500);
      const qint64 answer = chats.addMessage(conv, parent, QStringLiteral("assistant"),
                                             QStringLiteral("answer %1").arg(turn), meta);
      report("M %lld %lld\n", conv, answer);
      StateInfo info;
      info.conversationId = conv;
      info.messageId = answer;
      info.tokenCount = turn;
      info.modelFingerprint = 42;
      info.coveredText = test::coveredTextFor(turn);
      const Checkpoint c = states.save(info, test::makePayload(rng, rng.bounded(1, 400'000)));
      report("S %lld %lld\n", conv, c.id);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "storage_crash_writer: %s\n", e.what());
    return 1;
  }
}
