// A rich sample for the export/import tests: branches (edit, regenerate), every kind of
// metadata, settings, pinning, Unicode and Markdown in the text.
#pragma once
#include "chat_store.hpp"

namespace coil::storage::test {

struct SampleChat {
  qint64 id = 0;
  qint64 u1 = 0, a1 = 0, a1b = 0, u2 = 0, a2 = 0, u2b = 0, a2b = 0;
};

inline SampleChat addSampleChat(ChatStore& chats, const QString& title) {
  SampleChat s;
  s.id = chats.createConversation(title);
  chats.setModel(s.id, QStringLiteral("tiiuae/falcon-mamba-7b-instruct"),
                 QStringLiteral("/models/fm7b"));
  chats.setSystemPrompt(s.id, QStringLiteral("You are a helpful snake.\nAnswer briefly."));
  chats.setSampling(s.id, {{QLatin1String("temperature"), 0.7},
                           {QLatin1String("top_k"), 40},
                           {QLatin1String("top_p"), 0.95},
                           {QLatin1String("max_tokens"), 512}});
  chats.setPinned(s.id, true);
  chats.markOpened(s.id);
  MessageMeta meta;
  meta.model = QStringLiteral("tiiuae/falcon-mamba-7b-instruct");
  meta.sampling = {{QLatin1String("temperature"), 0.7}};
  meta.seed = Q_INT64_C(1234567890123);
  meta.promptTokens = 17;
  meta.completionTokens = 42;
  meta.prefillTokensPerS = 812.0625;
  meta.decodeTokensPerS = 31.5;
  meta.finishReason = QStringLiteral("stop");
  s.u1 =
      chats.addMessage(s.id, 0, QStringLiteral("user"), QStringLiteral("Hello, mamba 🐍! Ünïcödé?"));
  s.a1 = chats.addMessage(s.id, s.u1, QStringLiteral("assistant"),
                          QStringLiteral("Hi!\n\n```python\nprint(\"ssss\")\n```\n"), meta);
  meta.seed = 7;
  meta.finishReason = QStringLiteral("length");
  s.a1b = chats.regenerate(s.a1, QStringLiteral("Hello there."), meta);
  s.u2 = chats.addMessage(s.id, s.a1b, QStringLiteral("user"), QStringLiteral("What is 2+2?"));
  s.a2 = chats.addMessage(s.id, s.u2, QStringLiteral("assistant"), QStringLiteral("4"));
  s.u2b = chats.editMessage(s.u2, QStringLiteral("What is 3+3?"));
  s.a2b = chats.addMessage(s.id, s.u2b, QStringLiteral("assistant"), QStringLiteral("6"));
  chats.switchToSibling(s.u2b, -1);  // active: u1 a1b u2 a2
  return s;
}

}  // namespace coil::storage::test
