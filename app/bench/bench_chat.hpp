// The conversation the resume benchmark reopens: arithmetic questions with their answers
// (what the bundled demo model was trained on), as many turns as make about N tokens in
// the model's own chat template and tokenizer.
#pragma once
#include <QList>
#include <QString>

#include "worker_types.hpp"

namespace coil::app::bench {

struct BenchChat {
  QList<ChatTurn> history;  // user, assistant, user, assistant, ..., user (the last question)
  qint64 tokens = 0;        // of `history` rendered with the generation prompt
};

// Throws coil::Error when the model folder's tokenizer or chat template cannot be read.
BenchChat makeBenchChat(const QString& modelDir, qint64 targetTokens);

// The i-th question of the benchmark's chats and its answer (deterministic).
ChatTurn benchQuestion(int i);
ChatTurn benchAnswer(int i);

}  // namespace coil::app::bench
