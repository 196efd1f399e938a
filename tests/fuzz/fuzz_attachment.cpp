// An attached file (coil_documents): the first byte picks the file's suffix (pdf, html, md,
// cpp, txt), the rest is the file. readAttachment either refuses it with an AttachmentError
// that names the file, or returns text that is bounded, valid and without control characters
// other than tab and line breaks.
#include <QGuiApplication>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "attachment_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil;
  // QTextDocument (HTML) needs a QGuiApplication; no window is ever shown
  static int argc = 1;
  static char name[] = "fuzz_attachment";
  static char* argv[] = {name, nullptr};
  static QGuiApplication* app = [] {
    setenv("QT_QPA_PLATFORM", "offscreen", 0);
    return new QGuiApplication(argc, argv);
  }();
  (void)app;
  if (size == 0) return 0;
  const char* const suffixes[] = {"pdf", "html", "md", "cpp", "txt"};
  const std::string file = std::string("attachment.") + suffixes[data[0] % 5];
  const auto path = fuzz::write_scratch(file, {reinterpret_cast<const char*>(data) + 1, size - 1});
  constexpr qint64 kLimit = 1 << 20;
  try {
    const app::ExtractedDocument doc =
        app::readAttachment(QString::fromStdString(path.string()), kLimit);
    if (doc.text.trimmed().isEmpty() || doc.bytes != qint64(size - 1)) __builtin_trap();
    for (const QChar c : doc.text)
      if (c.unicode() < 0x20 && c != u'\n' && c != u'\t' && c != u'\r') __builtin_trap();
    fuzz::check_utf8(doc.text.toStdString());
  } catch (const app::AttachmentError& e) {
    if (!e.message().startsWith(QString::fromStdString(file) + QStringLiteral(": ")))
      __builtin_trap();  // a refusal names the file
    fuzz::check_message(e.what());
    fuzz::report_error(e.what());
  }
  return 0;
}
