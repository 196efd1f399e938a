// Building a benchmark chat of about N tokens.
#include "bench_chat.hpp"

#include <algorithm>
#include <filesystem>

#include "coil/chat.hpp"
#include "coil/tokenizer.hpp"

namespace coil::app::bench {

namespace {

int operandA(int i) {
  return 10 + (i * 37) % 89;
}
int operandB(int i) {
  return 3 + (i * 53) % 61;
}

// Turns 0..pairs-1 answered, then question `pairs`.
QList<ChatTurn> turns(int pairs) {
  QList<ChatTurn> out;
  for (int i = 0; i < pairs; ++i) out << benchQuestion(i) << benchAnswer(i);
  out << benchQuestion(pairs);
  return out;
}

}  // namespace

ChatTurn benchQuestion(int i) {
  return {QStringLiteral("user"),
          QStringLiteral("What is %1 + %2?").arg(operandA(i)).arg(operandB(i))};
}

ChatTurn benchAnswer(int i) {
  const int a = operandA(i), b = operandB(i);
  return {QStringLiteral("assistant"),
          QStringLiteral("%1 plus %2 is %3.").arg(a).arg(b).arg(a + b)};
}

BenchChat makeBenchChat(const QString& modelDir, qint64 targetTokens) {
  const std::filesystem::path dir(modelDir.toStdString());
  const auto tokenizer = Tokenizer::load(dir);
  const ChatConfig config = ChatConfig::load(dir);
  const ChatTemplate tmpl = config.make_template();
  const auto count = [&](const QList<ChatTurn>& ts) {
    std::vector<ChatMessage> ms;
    for (const ChatTurn& t : ts) ms.push_back({t.role.toStdString(), t.content.toStdString()});
    const std::string text = tmpl.render(ms, true, config.bos_token, config.eos_token);
    return qint64(tokenizer->encode(text, /*parse_special=*/true).size());
  };
  // Estimate the pairs from a sample, then step to the fewest pairs reaching the target: a
  // handful of renders, not one per turn.
  const qint64 base = count(turns(0));
  constexpr int kSample = 16;
  const double perPair = double(count(turns(kSample)) - base) / kSample;
  int pairs = std::max(0, int(double(targetTokens - base) / perPair));
  qint64 tokens = count(turns(pairs));
  while (tokens < targetTokens) tokens = count(turns(++pairs));
  while (pairs > 0) {
    const qint64 fewer = count(turns(pairs - 1));
    if (fewer < targetTokens) break;
    --pairs;
    tokens = fewer;
  }
  return {turns(pairs), tokens};
}

}  // namespace coil::app::bench
