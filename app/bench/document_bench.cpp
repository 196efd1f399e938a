// coil-document-bench: chatting with a long document through the app's stack. A document
// of about N tokens is attached to a question; the first answer reads it (time to first
// token includes the reading); later questions about it, each a new question beside the
// first asked after an app restart (a fresh worker), start from the state saved right after
// the document and prefill only their own tokens. For comparison: the same question in a chat
// without a document. Prints a table (or --json). The README's Performance section shows a run.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>

#include "bench_args.hpp"
#include "bench_worker.hpp"
#include "chat_store.hpp"
#include "storage.hpp"

using namespace coil::app;
using namespace coil::app::bench;
using coil::storage::Attachment;

namespace {

int fail(const QString& message) {
  return coil::app::bench::fail("coil-document-bench", message);
}

// Varied prose of about `chars` characters (the demo's tokenizer reads ~1 token per 3-4).
QString documentText(qint64 chars) {
  static const char* kWords[] = {"river",  "report", "bridge",  "north",   "measured", "water",
                                 "level",  "spring", "council", "survey",  "stone",    "winter",
                                 "annual", "flood",  "meadow",  "village", "engineer", "road"};
  QString text;
  quint32 x = 12345;
  int sentence = 0;
  while (text.size() < chars) {
    text += QStringLiteral("Section %1: the ").arg(++sentence);
    for (int w = 0; w < 12; ++w) {
      x = x * 1664525u + 1013904223u;
      text += QLatin1String(kWords[(x >> 16) % std::size(kWords)]) + QLatin1Char(' ');
    }
    text += QStringLiteral("was %1 metres.\n").arg((x >> 8) % 1000);
  }
  return text;
}

QList<ChatTurn> turnsTo(const coil::storage::ChatStore& chats, qint64 id) {
  QList<ChatTurn> turns;
  for (const auto& m : chats.pathTo(id))
    turns << ChatTurn{m.role, coil::storage::promptContent(m),
                      int(coil::storage::documentBlocks(m.attachments).size())};
  return turns;
}

double median(QList<double> v) {
  std::sort(v.begin(), v.end());
  return v.isEmpty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser p;
  const CommonArgs common(
      p, QStringLiteral("coil-document-bench"),
      QStringLiteral(
          "Attaches a document of about N tokens to a question and reports the time to first "
          "token of the first question (reading included) and of later questions about it (each "
          "after a restart, from the state saved right after the document), against a chat "
          "without a document."));
  const QCommandLineOption chars(QStringLiteral("doc-chars"),
                                 QStringLiteral("Document size in characters (default 200000)."),
                                 QStringLiteral("N"), QStringLiteral("200000"));
  const QCommandLineOption questions(
      QStringLiteral("questions"), QStringLiteral("Later questions (default 3; median reported)."),
      QStringLiteral("N"), QStringLiteral("3"));
  p.addOptions({chars, questions});
  p.process(app);

  const qint64 docChars = p.value(chars).toLongLong();
  const int n = p.value(questions).toInt();
  if (docChars <= 0 || docChars > (qint64(1) << 30))
    return fail(QStringLiteral("--doc-chars wants a positive size up to 1 G"));
  if (n < 1) return fail(QStringLiteral("--questions must be at least 1"));
  QTemporaryDir tmp;
  const BenchOptions o = common.options(p, tmp.path());
  if (o.modelDir.isEmpty()) return fail(QStringLiteral("no model: pass --model DIR"));
  try {
    coil::storage::Storage storage(o.dataDir);
    auto& chats = storage.chats();
    const QString doc = documentText(docChars);
    const Attachment a{QStringLiteral("report.txt"), doc.toUtf8().size(), QStringLiteral("Text"), 0,
                       doc};
    const qint64 conv = chats.createConversation(QStringLiteral("document"));
    const qint64 q1 = chats.addMessage(conv, 0, QStringLiteral("user"),
                                       QStringLiteral("How wide is the river?"), {}, true, {a});
    std::fprintf(stderr, "first question (reads the document)...\n");
    QList<qint64> askedAbout{q1};
    double firstMs = 0;
    qint64 docTokens = 0;
    double readMs = 0;
    {
      BenchWorker w(o);
      const auto r = w.ask(conv, q1, turnsTo(chats, q1), 4, {q1});
      firstMs = r.firstTextMs;
      docTokens = r.result.documentTokens;
      readMs = r.result.prefillMs;
      if (docTokens <= 0) throw std::runtime_error("the document was not read");
    }
    QList<double> laterMs;
    qint64 laterPrompt = 0;
    for (int i = 0; i < n; ++i) {
      std::fprintf(stderr, "later question %d (a restart, then from the checkpoint)...\n", i + 1);
      const qint64 q =
          chats.editMessage(q1, QStringLiteral("Question %1: who wrote it?").arg(i + 2));
      BenchWorker w(o);
      const auto r = w.ask(conv, q, turnsTo(chats, q), 4, QList<qint64>{q} + askedAbout);
      if (r.result.documentTokens != 0)
        throw std::runtime_error("a later question read the document again");
      laterMs << r.firstTextMs;
      laterPrompt = r.result.promptTokens;
    }
    std::fprintf(stderr, "the same question without a document...\n");
    QList<double> plainMs;
    qint64 plainPrompt = 0;
    for (int i = 0; i < n; ++i) {
      const qint64 c = chats.createConversation(QStringLiteral("plain"));
      const qint64 q = chats.addMessage(c, 0, QStringLiteral("user"),
                                        QStringLiteral("Question %1: who wrote it?").arg(i + 2));
      BenchWorker w(o);
      const auto r = w.ask(c, q, turnsTo(chats, q), 4);
      plainMs << r.firstTextMs;
      plainPrompt = r.result.promptTokens;
    }
    const double later = median(laterMs), plain = median(plainMs);
    if (p.isSet(common.json)) {
      const QJsonObject out{{"model", o.modelDir},
                            {"document_tokens", docTokens},
                            {"document_read_ms", readMs},
                            {"first_question_ttft_ms", firstMs},
                            {"later_question_ttft_ms", later},
                            {"later_question_prompt_tokens", laterPrompt},
                            {"no_document_ttft_ms", plain},
                            {"no_document_prompt_tokens", plainPrompt},
                            {"later_vs_no_document", plain > 0 ? later / plain : 0.0}};
      std::fputs(QJsonDocument(out).toJson().constData(), stdout);
    } else {
      std::printf("model                          %s\n", qPrintable(o.modelDir));
      std::printf("document                       %lld tokens (read in %.0f ms, %.0f tokens/s)\n",
                  qlonglong(docTokens), readMs, readMs > 0 ? docTokens * 1000.0 / readMs : 0.0);
      std::printf("first question, TTFT           %.1f ms (reading included)\n", firstMs);
      std::printf("later questions, TTFT (median) %.1f ms (%lld tokens prefilled)\n", later,
                  qlonglong(laterPrompt));
      std::printf("no document, TTFT (median)     %.1f ms (%lld tokens prefilled)\n", plain,
                  qlonglong(plainPrompt));
      std::printf("later / no document            %.2fx\n", plain > 0 ? later / plain : 0.0);
    }
  } catch (const std::exception& e) {
    return fail(QString::fromUtf8(e.what()));
  }
  return 0;
}
