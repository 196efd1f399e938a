// The resume benchmark: for each chat size, a chat of about N tokens is written and answered
// once as in the app (the worker prefills it, the answer is stored, the worker saves the
// state after it), then reopened by a fresh worker (an app restart) and asked a follow-up
// question: once restoring the saved state, once with the state deleted (re-prefilled from
// the text). Time to first token is measured from the generate request to the first piece
// of text arriving on this thread, as the chat view would see it.
#pragma once
#include <QJsonObject>
#include <QList>
#include <QString>
#include <functional>

#include "coil/model.hpp"

namespace coil::storage {
class Storage;
}

namespace coil::app::bench {

struct BenchOptions {
  QString modelDir;
  QString dataDir;  // must exist; chats are added to its database
  QString backend = QStringLiteral("auto");
  int device = -1;
  int threads = 0;
  int repeat = 3;             // reopenings per path; the median is reported
  coil::ModelOptions engine;  // what the loads start from (main(): the COIL_* environment)
};

// One way of reopening, repeated.
struct Reopening {
  QString kind;  // how the worker came to cover the chat: "restored", "fresh", "continued"
  QList<double> ttftMs;
  double restoreMs = 0;     // reading and checking the state (restored only)
  qint64 promptTokens = 0;  // tokens prefilled before the first new token
  qint64 stateTokens = 0;   // tokens the restored state covered
  QString discarded;        // why a saved state was refused, if one was
  double medianMs() const;
};

struct SizeResult {
  qint64 targetTokens = 0;
  qint64 chatTokens = 0;  // the saved chat (history and answer), in the model's tokens
  int messages = 0;
  qint64 stateBytes = 0;
  double stateSaveMs = 0;
  Reopening resumed, reprefilled;
};

struct BenchRun {
  QString model, backend, device;
  int threads = 0;
  int repeat = 0;
  QList<SizeResult> sizes;
  // The engine alone on the same model (coil::run_bench, `coil bench --json`'s keys), its
  // resume turn as long as the app's resumed prompt: the floor under the app's numbers.
  QJsonObject engine;
};

// Throws std::exception with the reason (model does not load, storage fails...).
// `log` receives one line per step, for a person watching.
BenchRun runResumeBench(const BenchOptions& options, storage::Storage& storage,
                        const QList<qint64>& sizes, const std::function<void(QString)>& log);

}  // namespace coil::app::bench
