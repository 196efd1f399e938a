// An attached file (coil_documents): the first byte picks the file's suffix (pdf, html, md,
// cpp, txt), the rest is the file. readAttachment either refuses it with an AttachmentError
// that names the file, or returns text that is bounded, valid and without control characters
// other than tab and line breaks.
//
// The readers that matter here, poppler and Qt's HTML parser, are system libraries without
// coverage instrumentation: libFuzzer sees only our few hundred edges. So the target feeds it
// signals of how far into them an input got, as libFuzzer's extra counters (an input that
// sets a new one is kept, like one that reaches a new edge): every distinct poppler complaint
// (its text without numbers: which check of which parser failed), the HTML structure Qt built
// (block and character formats), and the size of the text or the refusal that came out.
#include <poppler-qt6.h>

#include <QGuiApplication>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextList>
#include <QTextTable>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "attachment_reader.hpp"
#include "fuzz_support.hpp"

namespace {

// Kinds of signal (fuzz::signal).
enum Signal : uint64_t { kPoppler = 1, kBlock, kFragment, kText, kRefusal };

// Loads nothing an HTML file points to, as the reader's own document does.
class TextOnlyDocument : public QTextDocument {
 protected:
  QVariant loadResource(int, const QUrl&) override { return {}; }
};

void popplerComplaint(const QString& message, const QVariant&) {
  coil::fuzz::signal_text(kPoppler, message.toStdString());
}

// The structure QTextDocument built from `html`: each block's kind and each fragment's
// character format, as a combination.
void htmlStructure(const QString& html) {
  TextOnlyDocument doc;
  doc.setHtml(html);
  int blocks = 0;
  for (QTextBlock b = doc.begin(); b.isValid() && blocks < 256; b = b.next(), ++blocks) {
    const QTextBlockFormat bf = b.blockFormat();
    QTextCursor cursor(b);
    const uint64_t block = uint64_t(bf.headingLevel()) | uint64_t(bf.alignment()) << 3 |
                           uint64_t(b.textList() ? b.textList()->format().style() + 16 : 0) << 12 |
                           uint64_t(cursor.currentTable() != nullptr) << 20 |
                           uint64_t(bf.hasProperty(QTextFormat::BlockTrailingHorizontalRulerWidth))
                               << 21 |
                           uint64_t(bf.nonBreakableLines()) << 22;
    coil::fuzz::signal(kBlock, block);
    int fragments = 0;
    for (auto it = b.begin(); !it.atEnd() && fragments < 64; ++it, ++fragments) {
      const QTextCharFormat cf = it.fragment().charFormat();
      const uint64_t chars =
          uint64_t(cf.fontWeight()) | uint64_t(cf.fontItalic()) << 10 |
          uint64_t(cf.fontUnderline()) << 11 | uint64_t(cf.isAnchor()) << 12 |
          uint64_t(cf.isImageFormat()) << 13 | uint64_t(cf.verticalAlignment()) << 14 |
          uint64_t(cf.fontStrikeOut()) << 18 | uint64_t(cf.fontFixedPitch()) << 19;
      coil::fuzz::signal(kFragment, block * 31 + chars);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  // QTextDocument (HTML) needs a QGuiApplication; no window is ever shown
  static int argc = 1;
  static char name[] = "fuzz_attachment";
  static char* argv[] = {name, nullptr};
  static QGuiApplication* app = [] {
    setenv("QT_QPA_PLATFORM", "offscreen", 0);
    auto* a = new QGuiApplication(argc, argv);
    // The reader silences poppler's complaints when it opens its first PDF; open one, then
    // take the complaints over as signals.
    try {
      app::readAttachment(QString::fromStdString(fuzz::write_scratch("warm.pdf", "%PDF-").string()),
                          64);
    } catch (const app::AttachmentError&) {
    }
    Poppler::setDebugErrorFunction(popplerComplaint, QVariant());
    return a;
  }();
  (void)app;
  if (size == 0) return 0;
  const char* const suffixes[] = {"pdf", "html", "md", "cpp", "txt"};
  const int kind = data[0] % 5;
  const std::string file = std::string("attachment.") + suffixes[kind];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto path = fuzz::write_scratch(file, bytes);
  constexpr qint64 kLimit = 1 << 20;
  try {
    const app::ExtractedDocument doc =
        app::readAttachment(QString::fromStdString(path.string()), kLimit);
    if (doc.text.trimmed().isEmpty() || doc.bytes != qint64(size - 1)) __builtin_trap();
    for (const QChar c : doc.text)
      if (c.unicode() < 0x20 && c != u'\n' && c != u'\t' && c != u'\r') __builtin_trap();
    fuzz::check_utf8(doc.text.toStdString());
    if (doc.format == QStringLiteral("HTML"))
      htmlStructure(QString::fromUtf8(bytes.data(), qsizetype(bytes.size())));
    fuzz::signal(kText, uint64_t(kind) << 8 |
                            uint64_t(std::bit_width(uint64_t(doc.text.size()))) << 3 |
                            uint64_t(std::bit_width(uint64_t(doc.text.count(u'\n')))));
  } catch (const app::AttachmentError& e) {
    if (!e.message().startsWith(QString::fromStdString(file) + QStringLiteral(": ")))
      __builtin_trap();  // a refusal names the file
    fuzz::check_message(e.what());
    fuzz::report_error(e.what());
    fuzz::signal_text(kRefusal + uint64_t(kind) * 8, e.what());
  }
  return 0;
}
